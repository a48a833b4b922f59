import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Metrics } from '../metrics/metrics';
import { LockedSchedule } from '../reconciler/locked-schedule';
import { RetentionSweeper, SweepCounts } from './retention-sweeper';

export const retentionLockKey = (prefix: string) => `${prefix}:retention:lock`;

/**
 * Runs the retention sweep every RETENTION_SWEEP_MS in every process, one process at a time (a
 * `LockedSchedule`, as the reconciler runs). What a failed sweep removed before still counts.
 */
@Injectable()
export class RetentionSchedule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RetentionSchedule.name);
  private readonly schedule: LockedSchedule<SweepCounts>;

  constructor(
    config: AppConfig,
    private readonly sweeper: RetentionSweeper,
    private readonly metrics: Metrics,
  ) {
    this.schedule = new LockedSchedule({
      redisUrl: config.redisUrl,
      lockKey: retentionLockKey(config.queuePrefix),
      name: 'retention sweep',
      intervalMs: config.retentionSweepMs,
      round: (now, signal) => this.sweep(now, signal),
      logger: this.logger,
    });
  }

  onApplicationBootstrap(): void {
    this.schedule.start();
  }

  /**
   * One sweep as of `now` unless one is running here or another process holds the lock: answers
   * what it removed, or null when it did not sweep (lock held elsewhere, or the sweep failed).
   */
  tick(now?: Date): Promise<SweepCounts | null> {
    return this.schedule.tick(now);
  }

  onApplicationShutdown(): Promise<void> {
    return this.schedule.stop();
  }

  private async sweep(now: Date, signal: AbortSignal): Promise<SweepCounts> {
    const counts = await this.sweeper.sweep(now, signal);
    this.metrics.retentionLastRun.set(Date.now() / 1000);
    if (counts.executions + counts.audit > 0) {
      this.logger.log(`retention removed ${counts.executions} finished executions and ${counts.audit} audit rows`);
    }
    return counts;
  }
}
