import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { LockedSchedule } from '../reconciler/locked-schedule';
import { ApprovalSweeper } from './approval-sweeper';

export const approvalSweepLockKey = (prefix: string) => `${prefix}:approvals:lock`;

/**
 * Runs the approval timeout sweep at start-up and every APPROVAL_SWEEP_MS in every process, one
 * process at a time (a `LockedSchedule`, as retention and the reconciler run).
 */
@Injectable()
export class ApprovalSchedule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly schedule: LockedSchedule<number>;

  constructor(config: AppConfig, sweeper: ApprovalSweeper) {
    this.schedule = new LockedSchedule({
      redisUrl: config.redisUrl,
      lockKey: approvalSweepLockKey(config.queuePrefix),
      name: 'approval sweep',
      intervalMs: config.approvalSweepMs,
      // Deadlines that passed while every process was down are enforced as soon as one is back.
      runAtStart: true,
      round: (now, signal) => sweeper.sweep(now, signal),
      logger: new Logger(ApprovalSchedule.name),
    });
  }

  onApplicationBootstrap(): void {
    this.schedule.start();
  }

  /** One sweep unless one is running here or another process holds the lock: how many it cancelled, or null when it did not sweep. */
  tick(now?: Date): Promise<number | null> {
    return this.schedule.tick(now);
  }

  onApplicationShutdown(): Promise<void> {
    return this.schedule.stop();
  }
}
