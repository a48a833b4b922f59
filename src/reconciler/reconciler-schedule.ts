import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { LazyRedis } from '../queue/redis-connection';
import { ExecutionReconciler } from './execution-reconciler';
import { ReconcilerLock } from './reconciler-lock';

/** The lock's lease, renewed while a round runs: a holder that died frees it within this long. */
export const RECONCILER_LEASE_MS = 5_000;

export const reconcilerLockKey = (prefix: string) => `${prefix}:reconciler:lock`;

/**
 * Runs the reconciler every RECONCILE_INTERVAL_MS in every process (API and worker alike), one
 * process at a time through a Redis lock. A round that fails (Redis or the database away) is
 * logged and tried again at the next tick.
 */
@Injectable()
export class ReconcilerSchedule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReconcilerSchedule.name);
  private readonly redis: LazyRedis;
  private readonly lock: ReconcilerLock;
  private timer?: NodeJS.Timeout;
  private current?: Promise<void>;

  constructor(
    private readonly config: AppConfig,
    private readonly reconciler: ExecutionReconciler,
  ) {
    // Like the rate limiter's: waits for the connection at start, gives up quickly while Redis is away.
    this.redis = new LazyRedis(config.redisUrl, 'limiter');
    this.lock = new ReconcilerLock(this.redis, reconcilerLockKey(config.queuePrefix), RECONCILER_LEASE_MS);
  }

  onApplicationBootstrap(): void {
    if (this.config.reconcileIntervalMs === 0) return;
    this.timer = setInterval(() => void this.tick(), this.config.reconcileIntervalMs);
    this.timer.unref();
  }

  /** One round if no other is running here and no other process holds the lock. */
  tick(): Promise<void> {
    this.current ??= this.runRound().finally(() => (this.current = undefined));
    return this.current;
  }

  private async runRound(): Promise<void> {
    try {
      const lease = await this.lock.acquire();
      if (!lease) return;
      try {
        const counts = await this.reconciler.round(this.config.reconcileGraceMs, new Date(), lease.signal);
        if (counts.enqueue + counts.requeue + counts.fail + counts.timeout + counts.webhooks > 0) {
          this.logger.log(
            `reconciled ${counts.checked} executions: ${counts.enqueue} enqueued, ${counts.requeue} requeued, ${counts.fail} failed, ${counts.timeout} external timed out, ${counts.webhooks} webhook deliveries enqueued`,
          );
        }
      } finally {
        await lease.release();
      }
    } catch (error) {
      this.logger.warn(`reconciler round failed: ${(error as Error).message}`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.current;
    this.redis.disconnect();
  }
}
