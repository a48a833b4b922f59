import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { LazyRedis } from '../queue/redis-connection';
import { ReconcilerLock } from '../reconciler/reconciler-lock';
import { ApprovalSweeper } from './approval-sweeper';

/** The lock's lease, renewed while a sweep runs: a holder that died frees it within this long. */
export const APPROVAL_SWEEP_LEASE_MS = 5_000;

export const approvalSweepLockKey = (prefix: string) => `${prefix}:approvals:lock`;

/**
 * Runs the approval timeout sweep at start-up and every APPROVAL_SWEEP_MS in every process (API
 * and worker alike), one process at a time through a Redis lock, as retention and the reconciler
 * do. A sweep that fails (Redis or the database away) is logged and tried again at the next tick.
 */
@Injectable()
export class ApprovalSchedule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ApprovalSchedule.name);
  private readonly redis: LazyRedis;
  private readonly lock: ReconcilerLock;
  private timer?: NodeJS.Timeout;
  private current?: Promise<number | null>;

  constructor(
    private readonly config: AppConfig,
    private readonly sweeper: ApprovalSweeper,
  ) {
    this.redis = new LazyRedis(config.redisUrl, 'limiter');
    this.lock = new ReconcilerLock(this.redis, approvalSweepLockKey(config.queuePrefix), APPROVAL_SWEEP_LEASE_MS, 'approval sweep');
  }

  onApplicationBootstrap(): void {
    if (this.config.approvalSweepMs === 0) return;
    // Deadlines that passed while every process was down are enforced as soon as one is back.
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.config.approvalSweepMs);
    this.timer.unref();
  }

  /** One sweep unless one is running here or another process holds the lock: how many it cancelled, or null when it did not sweep. */
  tick(now?: Date): Promise<number | null> {
    this.current ??= this.runSweep(now).finally(() => (this.current = undefined));
    return this.current;
  }

  private async runSweep(now?: Date): Promise<number | null> {
    try {
      const lease = await this.lock.acquire();
      if (!lease) return null;
      try {
        return await this.sweeper.sweep(now ?? new Date(), lease.signal);
      } finally {
        await lease.release();
      }
    } catch (error) {
      this.logger.warn(`approval sweep failed: ${(error as Error).message}`);
      return null;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.current;
    this.redis.disconnect();
  }
}
