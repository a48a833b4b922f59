import { Logger } from '@nestjs/common';
import { LazyRedis } from '../queue/redis-connection';
import { ReconcilerLock } from './reconciler-lock';

/** The lock's lease, renewed while a round runs: a holder that died frees it within this long. */
export const SCHEDULE_LEASE_MS = 5_000;

export interface LockedScheduleOptions<T> {
  redisUrl: string;
  lockKey: string;
  /** What runs, for the lock's and the failures' messages: `reconciler round`, `retention sweep`. */
  name: string;
  /** Every how many ms; 0: never in this process. */
  intervalMs: number;
  /** Also once at start-up, not only after the first interval. */
  runAtStart?: boolean;
  /** One round, as of `now`, while the lease holds (its signal fires if the lease is lost). */
  round: (now: Date, signal: AbortSignal) => Promise<T>;
  logger: Logger;
}

/**
 * Background work run every `intervalMs` in every process (API and worker alike), one process at a
 * time through a Redis lock: the reconciler, the retention sweep, the approval timeout sweep. A
 * round that fails (Redis or the database away) is logged and tried again at the next tick.
 */
export class LockedSchedule<T> {
  private readonly redis: LazyRedis;
  private readonly lock: ReconcilerLock;
  private timer?: NodeJS.Timeout;
  private current?: Promise<T | null>;

  constructor(private readonly options: LockedScheduleOptions<T>) {
    // Like the rate limiter's: waits for the connection at start, gives up quickly while Redis is away.
    this.redis = new LazyRedis(options.redisUrl, 'limiter');
    this.lock = new ReconcilerLock(this.redis, options.lockKey, SCHEDULE_LEASE_MS, options.name);
  }

  start(): void {
    if (this.options.intervalMs === 0) return;
    if (this.options.runAtStart) void this.tick();
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  /** One round unless one is running here or another process holds the lock: its result, or null when it did not run (or failed). */
  tick(now?: Date): Promise<T | null> {
    this.current ??= this.run(now).finally(() => (this.current = undefined));
    return this.current;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.current;
    this.redis.disconnect();
  }

  private async run(now?: Date): Promise<T | null> {
    try {
      const lease = await this.lock.acquire();
      if (!lease) return null;
      try {
        return await this.options.round(now ?? new Date(), lease.signal);
      } finally {
        await lease.release();
      }
    } catch (error) {
      this.options.logger.warn(`${this.options.name} failed: ${(error as Error).message}`);
      return null;
    }
  }
}
