import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';

/** Whether `count` hits were taken; when not, how long until the window has room. */
export type Take = { taken: true; remaining: number; resetSeconds: number } | { taken: false; retryAfterSeconds: number };

/**
 * Takes `count` hits at once, or none: a request that would go over the limit is refused whole and
 * counts nothing (the caller may send fewer). Uses the keys of the parent's `increment` (pinned
 * version 1.2.0), so single requests and several-at-once share one count and one block.
 */
const TAKE_SCRIPT = `
local blockTtl = redis.call('PTTL', KEYS[2])
if blockTtl > 0 then return {0, blockTtl, 0} end
local ttl = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local count = tonumber(ARGV[3])
local hitTtl = redis.call('PTTL', KEYS[1])
local hits = 0
if hitTtl > 0 then
  hits = tonumber(redis.call('GET', KEYS[1]))
else
  hitTtl = ttl
end
if hits + count > limit then return {0, hitTtl, hits} end
if hits == 0 then
  redis.call('SET', KEYS[1], count, 'PX', ttl)
  return {1, ttl, count}
end
return {1, hitTtl, redis.call('INCRBY', KEYS[1], count)}
`;

export class ExecuteRateStorage extends ThrottlerStorageRedisService {
  async take(key: string, ttl: number, limit: number, throttlerName: string, count: number): Promise<Take> {
    const [taken, pttl, hits] = (await this.redis.call(
      'eval',
      TAKE_SCRIPT,
      2,
      `{${key}:${throttlerName}}:hits`,
      `{${key}:${throttlerName}}:blocked`,
      ttl,
      limit,
      count,
    )) as [number, number, number];
    const seconds = Math.max(1, Math.ceil(pttl / 1000));
    return taken === 1
      ? { taken: true, remaining: Math.max(0, limit - hits), resetSeconds: seconds }
      : { taken: false, retryAfterSeconds: seconds };
  }
}
