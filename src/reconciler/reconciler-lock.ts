import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { LazyRedis } from '../queue/redis-connection';

/** Deletes the key only while it still holds our token: a lapsed lock taken by another is left alone. */
const RELEASE_IF_OURS = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
/** Extends the key only while it still holds our token; 0 when the lease was lost. */
const RENEW_IF_OURS = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

/** A held lock: renewed while the holder lives; `signal` fires if it is lost. */
export interface Lease {
  readonly signal: AbortSignal;
  release(): Promise<void>;
}

/**
 * One reconciler (or retention sweep) at a time over all processes: a Redis key set with NX and a short expiry, renewed
 * every third of it while the holder works. A process that dies holding it stops renewing, and the
 * key frees itself within one lease: recovery never waits on a dead holder for longer.
 */
export class ReconcilerLock {
  private readonly logger = new Logger(ReconcilerLock.name);

  constructor(
    private readonly redis: LazyRedis,
    private readonly key: string,
    private readonly leaseMs: number,
    /** What the lock guards, for messages: the retention sweep takes one too. */
    private readonly purpose = 'reconciler',
  ) {}

  /** The lease when the lock was taken, null when another process holds it. */
  async acquire(): Promise<Lease | null> {
    const token = randomBytes(16).toString('hex');
    const taken = await this.redis.get().set(this.key, token, 'PX', this.leaseMs, 'NX');
    if (taken !== 'OK') return null;
    const lost = new AbortController();
    const renew = async () => {
      try {
        const renewed = await this.redis.get().eval(RENEW_IF_OURS, 1, this.key, token, this.leaseMs);
        if (renewed === 0) lost.abort(new Error(`the ${this.purpose} lock lapsed and was taken by another process`));
      } catch (error) {
        this.logger.warn(`could not renew the ${this.purpose} lock: ${(error as Error).message}`);
      }
    };
    const renewal = setInterval(() => void renew(), Math.max(Math.floor(this.leaseMs / 3), 1));
    renewal.unref();
    return {
      signal: lost.signal,
      release: async () => {
        clearInterval(renewal);
        await this.redis.get().eval(RELEASE_IF_OURS, 1, this.key, token);
      },
    };
  }
}
