import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Metrics } from '../metrics/metrics';
import { LazyRedis } from '../queue/redis-connection';
import { ReconcilerLock } from '../reconciler/reconciler-lock';
import { RetentionSweeper, SweepCounts } from './retention-sweeper';

/** The lock's lease, renewed while a sweep runs: a holder that died frees it within this long. */
export const RETENTION_LEASE_MS = 5_000;

export const retentionLockKey = (prefix: string) => `${prefix}:retention:lock`;

/**
 * Runs the retention sweep every RETENTION_SWEEP_MS in every process (API and worker alike), one
 * process at a time through a Redis lock, as the reconciler does. A sweep that fails (Redis or the
 * database away) is logged and tried again at the next tick; what it removed before still counts.
 */
@Injectable()
export class RetentionSchedule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RetentionSchedule.name);
  private readonly redis: LazyRedis;
  private readonly lock: ReconcilerLock;
  private timer?: NodeJS.Timeout;
  private current?: Promise<SweepCounts | null>;

  constructor(
    private readonly config: AppConfig,
    private readonly sweeper: RetentionSweeper,
    private readonly metrics: Metrics,
  ) {
    this.redis = new LazyRedis(config.redisUrl, 'limiter');
    this.lock = new ReconcilerLock(this.redis, retentionLockKey(config.queuePrefix), RETENTION_LEASE_MS, 'retention');
  }

  onApplicationBootstrap(): void {
    if (this.config.retentionSweepMs === 0) return;
    this.timer = setInterval(() => void this.tick(), this.config.retentionSweepMs);
    this.timer.unref();
  }

  /**
   * One sweep as of `now` unless one is running here or another process holds the lock: answers
   * what it removed, or null when it did not sweep (lock held elsewhere, or the sweep failed).
   */
  tick(now?: Date): Promise<SweepCounts | null> {
    this.current ??= this.runSweep(now).finally(() => (this.current = undefined));
    return this.current;
  }

  private async runSweep(now?: Date): Promise<SweepCounts | null> {
    try {
      const lease = await this.lock.acquire();
      if (!lease) return null;
      try {
        const counts = await this.sweeper.sweep(now ?? new Date(), lease.signal);
        this.metrics.retentionLastRun.set(Date.now() / 1000);
        if (counts.executions + counts.audit > 0) {
          this.logger.log(`retention removed ${counts.executions} finished executions and ${counts.audit} audit rows`);
        }
        return counts;
      } finally {
        await lease.release();
      }
    } catch (error) {
      this.logger.warn(`retention sweep failed: ${(error as Error).message}`);
      return null;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.current;
    this.redis.disconnect();
  }
}
