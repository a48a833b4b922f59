import { loadAppConfig } from '../config/load-app-config';
import { StatisticsCache } from './statistics-cache';

describe(StatisticsCache.name, () => {
  const sut = () => new StatisticsCache<number>(loadAppConfig({ STATISTICS_CACHE_MS: '1000' }));
  const counter = () => {
    let calls = 0;
    const compute = jest.fn(async () => ++calls);
    return compute;
  };

  it('answers the same count within the lifetime, and per key', async () => {
    const cache = sut();
    const compute = counter();
    expect(await cache.get('a', compute, 0)).toBe(1);
    expect(await cache.get('a', compute, 999)).toBe(1);
    expect(await cache.get('b', compute, 999)).toBe(2);
    expect(compute).toHaveBeenCalledTimes(2);
  });

  it('answers a stale count while one refresh runs, then the fresh one', async () => {
    const cache = sut();
    const compute = counter();
    await cache.get('a', compute, 0);
    const computedAt = Date.now();
    expect(await cache.get('a', compute, computedAt + 1500)).toBe(1); // stale, refresh started
    await new Promise((resolve) => setImmediate(resolve));
    expect(await cache.get('a', compute, Date.now())).toBe(2);
    expect(compute).toHaveBeenCalledTimes(2);
  });

  it('counts again first when the value is older than twice the lifetime', async () => {
    const cache = sut();
    const compute = counter();
    await cache.get('a', compute, 0);
    expect(await cache.get('a', compute, Date.now() + 2500)).toBe(2);
  });

  it('shares one count between concurrent first asks', async () => {
    const cache = sut();
    const compute = counter();
    expect(await Promise.all([cache.get('a', compute, 0), cache.get('a', compute, 0)])).toEqual([1, 1]);
    expect(compute).toHaveBeenCalledTimes(1);
  });

  it('counts every time when STATISTICS_CACHE_MS is 0', async () => {
    const cache = new StatisticsCache<number>(loadAppConfig({ STATISTICS_CACHE_MS: '0' }));
    const compute = counter();
    await cache.get('a', compute);
    expect(await cache.get('a', compute)).toBe(2);
  });

  it('lets a failed count fail the ask that waited for it, and tries again next time', async () => {
    const cache = sut();
    const compute = jest.fn().mockRejectedValueOnce(new Error('database away')).mockResolvedValueOnce(7);
    await expect(cache.get('a', compute, 0)).rejects.toThrow('database away');
    expect(await cache.get('a', compute, 0)).toBe(7);
  });
});
