import IORedis from 'ioredis';
import { whenReady } from './redis-ready';

describe('whenReady', () => {
  const url = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

  it('shares one wait among the requests that arrive while the connection is being made', async () => {
    const connection = new IORedis(url, { lazyConnect: true });
    try {
      void connection.connect();
      const waits = Array.from({ length: 50 }, () => whenReady(connection, 5000));
      // One pair of listeners, not fifty: Node warns above ten per event.
      expect(connection.listenerCount('ready')).toBeLessThanOrEqual(2);
      await Promise.all(waits);
      expect(connection.status).toBe('ready');
      await expect(whenReady(connection, 5000)).resolves.toBeUndefined();
    } finally {
      connection.disconnect();
    }
  });

  it('rejects at once while the connection is reconnecting or closed', async () => {
    const connection = new IORedis(url, { lazyConnect: true });
    connection.disconnect();
    await expect(whenReady(connection, 5000)).rejects.toThrow(/Redis connection is (end|close)/);
  });
});
