import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { ExecutionReconciler } from './execution-reconciler';
import { LockedSchedule } from './locked-schedule';

export const reconcilerLockKey = (prefix: string) => `${prefix}:reconciler:lock`;

/** Runs the reconciler every RECONCILE_INTERVAL_MS in every process, one process at a time (a `LockedSchedule`). */
@Injectable()
export class ReconcilerSchedule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReconcilerSchedule.name);
  private readonly schedule: LockedSchedule<void>;

  constructor(
    private readonly config: AppConfig,
    private readonly reconciler: ExecutionReconciler,
  ) {
    this.schedule = new LockedSchedule({
      redisUrl: config.redisUrl,
      lockKey: reconcilerLockKey(config.queuePrefix),
      name: 'reconciler round',
      intervalMs: config.reconcileIntervalMs,
      round: (now, signal) => this.round(now, signal),
      logger: this.logger,
    });
  }

  onApplicationBootstrap(): void {
    this.schedule.start();
  }

  /** One round if no other is running here and no other process holds the lock. */
  async tick(): Promise<void> {
    await this.schedule.tick();
  }

  onApplicationShutdown(): Promise<void> {
    return this.schedule.stop();
  }

  private async round(now: Date, signal: AbortSignal): Promise<void> {
    const counts = await this.reconciler.round(this.config.reconcileGraceMs, now, signal);
    if (counts.enqueue + counts.requeue + counts.fail + counts.timeout + counts.webhooks > 0) {
      this.logger.log(
        `reconciled ${counts.checked} executions: ${counts.enqueue} enqueued, ${counts.requeue} requeued, ${counts.fail} failed, ${counts.timeout} external timed out, ${counts.webhooks} webhook deliveries enqueued`,
      );
    }
  }
}
