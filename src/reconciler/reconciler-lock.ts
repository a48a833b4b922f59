import { randomBytes } from 'node:crypto';
import { LazyRedis } from '../queue/redis-connection';

/** Deletes the key only while it still holds our token: a lapsed lock taken by another is left alone. */
const RELEASE_IF_OURS = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * One reconciler at a time over all processes: a Redis key set with NX and an expiry, so a process
 * that dies holding it frees it when the expiry passes.
 */
export class ReconcilerLock {
  constructor(
    private readonly redis: LazyRedis,
    private readonly key: string,
    private readonly ttlMs: number,
  ) {}

  /** The release function when the lock was taken, null when another process holds it. */
  async acquire(): Promise<(() => Promise<void>) | null> {
    const token = randomBytes(16).toString('hex');
    const taken = await this.redis.get().set(this.key, token, 'PX', this.ttlMs, 'NX');
    if (taken !== 'OK') return null;
    return async () => {
      await this.redis.get().eval(RELEASE_IF_OURS, 1, this.key, token);
    };
  }
}
