import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository, SelectQueryBuilder } from 'typeorm';
import { AuditLog } from '../audit/audit-log';
import { AppConfig } from '../config/app-config';
import { Execution } from '../executions/execution.entity';
import { ExecutionRemoval } from '../executions/execution-removal';
import { TERMINAL_STATUSES } from '../executions/execution-status';
import { Metrics } from '../metrics/metrics';
import { TaskRegistry } from '../task-registry/task-registry';

/** Rows removed per statement: each batch is a short transaction that holds few locks. */
export const RETENTION_BATCH = 500;
/** Rows of each kind one sweep removes at most; a backlog is worked off over the following sweeps. */
export const RETENTION_MAX_PER_SWEEP = 5000;

/**
 * Spelled exactly as the partial index `idx_executions_finished_task_completed` spells it, as
 * literals: SQLite uses a partial index only when the query's WHERE contains the index's condition,
 * and neither planner can prove it from bound parameters.
 */
const FINISHED = `e.status IN (${TERMINAL_STATUSES.map((status) => `'${status}'`).join(', ')})`;

export interface SweepCounts {
  executions: number;
  audit: number;
}

/**
 * Removes what SPEC 7.9 says has been kept long enough: finished executions whose `completed_at`
 * is older than their task's `retain` (or `RETENTION`), with their files and event history, and
 * audit rows older than `AUDIT_RETENTION`. Pending and running executions are never selected, and
 * the delete itself is guarded by the status too. Works in batches of RETENTION_BATCH rows.
 */
@Injectable()
export class RetentionSweeper {
  /** The task a sweep that hit its cap stopped at: the next sweep starts there, so no task starves. */
  private resumeAt?: string;

  constructor(
    @InjectRepository(Execution) private readonly executions: Repository<Execution>,
    private readonly removal: ExecutionRemoval,
    private readonly audit: AuditLog,
    private readonly registry: TaskRegistry,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  /** One sweep as of `now`; stops between batches once `signal` fires (the lock was lost). */
  async sweep(now = new Date(), signal?: AbortSignal): Promise<SweepCounts> {
    const counts: SweepCounts = { executions: 0, audit: 0 };
    await this.sweepExecutions(now, counts, signal);
    if (this.config.auditRetentionMs > 0) {
      const cutoff = new Date(now.getTime() - this.config.auditRetentionMs);
      while (counts.audit < RETENTION_MAX_PER_SWEEP && !signal?.aborted) {
        const removed = await this.audit.deleteOccurredBefore(cutoff, Math.min(RETENTION_BATCH, RETENTION_MAX_PER_SWEEP - counts.audit));
        counts.audit += removed;
        this.metrics.retentionRemoved.inc({ kind: 'audit' }, removed);
        if (removed < RETENTION_BATCH) break;
      }
    }
    return counts;
  }

  /** The retention of a task's executions in ms, 0 for forever; a task no longer registered follows RETENTION. */
  retentionOf(taskName: string): number {
    return this.registry.find(taskName)?.retainMs ?? this.config.retentionMs;
  }

  /** The sweep's lookup: the oldest finished executions of one task completed at or before `cutoff`. */
  expiredQuery(taskName: string, cutoff: Date, limit: number): SelectQueryBuilder<Execution> {
    return this.executions
      .createQueryBuilder('e')
      .select('e.id', 'id')
      .where('e.taskName = :taskName', { taskName })
      .andWhere(FINISHED)
      .andWhere('e.completedAt <= :cutoff', { cutoff })
      .orderBy('e.completedAt', 'ASC')
      .limit(limit);
  }

  private async sweepExecutions(now: Date, counts: SweepCounts, signal?: AbortSignal): Promise<void> {
    const tasks = await this.tasksWithFinishedExecutions();
    const start = Math.max(
      tasks.findIndex((task) => task >= (this.resumeAt ?? '')),
      0,
    );
    this.resumeAt = undefined;
    for (const taskName of [...tasks.slice(start), ...tasks.slice(0, start)]) {
      const retentionMs = this.retentionOf(taskName);
      if (retentionMs === 0) continue;
      const cutoff = new Date(now.getTime() - retentionMs);
      for (;;) {
        if (signal?.aborted) return;
        if (counts.executions >= RETENTION_MAX_PER_SWEEP) {
          this.resumeAt = taskName;
          return;
        }
        const limit = Math.min(RETENTION_BATCH, RETENTION_MAX_PER_SWEEP - counts.executions);
        const expired = await this.expiredQuery(taskName, cutoff, limit).getRawMany<{ id: string }>();
        const removed = expired.length === 0 ? [] : await this.removal.removeFinished(expired.map((row) => row.id));
        counts.executions += removed.length;
        this.metrics.retentionRemoved.inc({ kind: 'executions' }, removed.length);
        if (expired.length < limit || removed.length === 0) break;
      }
    }
  }

  /**
   * Task names that have finished executions, read from the maintained counts (a few rows) rather
   * than from the executions (a scan of millions: neither database skips through an index well).
   */
  private async tasksWithFinishedExecutions(): Promise<string[]> {
    const rows = await this.executions.manager
      .createQueryBuilder()
      .select('DISTINCT c.task_name', 'task_name')
      .from('execution_counts', 'c')
      .where('c.status IN (:...finished)', { finished: [...TERMINAL_STATUSES] })
      .andWhere('c.count > 0')
      .orderBy('c.task_name', 'ASC')
      .getRawMany<{ task_name: string }>();
    return rows.map((row) => row.task_name);
  }
}
