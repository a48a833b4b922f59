import { parseQuota } from './quota';

describe('parseQuota', () => {
  it('takes whole numbers from 1, and makes an empty quota none', () => {
    expect(parseQuota({ per_hour: 10, concurrent: 2 })).toEqual({ quota: { per_hour: 10, concurrent: 2 } });
    expect(parseQuota({ concurrent: 1 })).toEqual({ quota: { concurrent: 1 } });
    expect(parseQuota({})).toEqual({ quota: null });
    expect(parseQuota({ per_hour: null })).toEqual({ quota: null });
  });

  it.each([
    [{ per_hour: 0 }, 'quota.per_hour must be a whole number from 1 to 1000000'],
    [{ per_hour: -1 }, 'quota.per_hour must be a whole number from 1 to 1000000'],
    [{ concurrent: 1.5 }, 'quota.concurrent must be a whole number from 1 to 1000000'],
    [{ concurrent: '2' }, 'quota.concurrent must be a whole number from 1 to 1000000'],
    [{ daily: 5 }, 'quota.daily is not known (per_hour, concurrent)'],
    [[1], 'quota must be a JSON object such as {"per_hour": 100, "concurrent": 5}'],
  ])('refuses %j', (input, problem) => {
    expect(parseQuota(input)).toEqual({ problems: [problem] });
  });

  it('lists every problem at once', () => {
    expect(parseQuota({ per_hour: 0, concurrent: -2, x: 1 })).toMatchObject({ problems: expect.arrayContaining([expect.any(String)]) });
    expect((parseQuota({ per_hour: 0, concurrent: -2, x: 1 }) as { problems: string[] }).problems).toHaveLength(3);
  });
});
