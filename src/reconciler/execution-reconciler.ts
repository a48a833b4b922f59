import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, Repository } from 'typeorm';
import { ExecutionEventsPublisher } from '../executions/execution-events-publisher';
import { updateReturning } from '../database/update-returning';
import { Execution } from '../executions/execution.entity';
import { ExecutionWebhooks } from '../executions/execution-webhooks';
import { ABANDONED_REASON } from '../executions/takeover-rule';
import { maskId } from '../logging/redaction';
import { ExecutionQueues } from '../queue/execution-queues';
import { TaskRegistry } from '../task-registry/task-registry';
import { decide, ReconcileAction } from './reconcile-decision';

const PAGE_SIZE = 200;
/** A round stops after this many records; the next round goes on from there. */
const MAX_CHECKS_PER_ROUND = 2000;

/** `timeout`: externally reported executions past their `timeout_ms` with no final report. */
/** `webhooks`: deliveries of terminal executions found never enqueued (ExecutionWebhooks.enqueueLost). */
export type RoundCounts = Record<Exclude<ReconcileAction, 'leave'>, number> & { checked: number; timeout: number; webhooks: number };

interface Cursor {
  createdAt: Date;
  id: string;
}

/**
 * Repairs what a crash between two stores left behind, the record in SQL being the truth:
 * `pending` records whose job is missing get it (again), `running` records whose job finished or
 * vanished are requeued while attempts remain and failed otherwise. Only records untouched for
 * `graceMs` are looked at, so work in flight is never raced.
 *
 * The cutoff comes from the application clock, as every write of `updated_at` does (millisecond
 * precision on both drivers); the database clock (`CURRENT_TIMESTAMP`, microseconds on PostgreSQL,
 * maybe another host) would not compare with it.
 */
@Injectable()
export class ExecutionReconciler {
  private readonly logger = new Logger(ExecutionReconciler.name);
  /** Where a round that hit its cap stopped: large backlogs are walked over several rounds. */
  private resumeAfter?: Cursor;

  constructor(
    @InjectRepository(Execution) private readonly executions: Repository<Execution>,
    private readonly queues: ExecutionQueues,
    private readonly registry: TaskRegistry,
    private readonly events: ExecutionEventsPublisher,
    private readonly webhooks: ExecutionWebhooks,
  ) {}

  /** Stops between pages once `signal` fires (the lock was lost: another process carries on). */
  async round(graceMs: number, now = new Date(), signal?: AbortSignal): Promise<RoundCounts> {
    const counts: RoundCounts = { checked: 0, enqueue: 0, requeue: 0, fail: 0, timeout: 0, webhooks: 0 };
    counts.timeout = await this.settleExternal(now);
    const cutoff = new Date(now.getTime() - graceMs);
    let after = this.resumeAfter;
    this.resumeAfter = undefined;
    while (counts.checked < MAX_CHECKS_PER_ROUND && !signal?.aborted) {
      const page = await this.candidates(cutoff, after);
      if (page.length === 0) break;
      await this.repairPage(page, counts);
      counts.checked += page.length;
      const last = page[page.length - 1];
      after = { createdAt: last.createdAt, id: last.id };
      if (page.length < PAGE_SIZE) {
        after = undefined;
        break;
      }
    }
    this.resumeAfter = after;
    if (!signal?.aborted) counts.webhooks = await this.webhooks.enqueueLost(cutoff);
    return counts;
  }

  /**
   * An execution an external service took (running, no job) is its reporter's to finish; the
   * gateway only ends it `timeout` once its `timeout_ms` has passed since it started. Without a
   * `timeout_ms` it stays running until reported.
   */
  private async settleExternal(now: Date): Promise<number> {
    const taken = await this.executions
      .createQueryBuilder('e')
      .where('e.status = :running', { running: 'running' })
      .andWhere('e.jobId IS NULL')
      .andWhere('e.timeoutMs IS NOT NULL')
      .orderBy('e.startedAt', 'ASC')
      .take(PAGE_SIZE)
      .getMany();
    let settled = 0;
    for (const record of taken) {
      const startedAt = record.startedAt ?? record.updatedAt;
      if (startedAt.getTime() + record.timeoutMs! > now.getTime()) continue;
      const [ended] = await updateReturning(
        this.executions,
        {
          status: 'timeout',
          error: `timed out after ${record.timeoutMs} ms without a final report from the service running it`,
          completedAt: now,
          durationMs: now.getTime() - startedAt.getTime(),
          updatedAt: now,
        },
        'id = :id AND status = :status AND attempts = :attempts',
        { id: record.id, status: 'running', attempts: record.attempts },
      );
      if (!ended) continue;
      this.events.changed(ended);
      settled++;
    }
    return settled;
  }

  private candidates(cutoff: Date, after?: Cursor): Promise<Execution[]> {
    const query = this.executions
      .createQueryBuilder('e')
      .where('e.status IN (:...statuses)', { statuses: ['pending', 'running'] })
      // Without a job the execution is reported by an external service; only its timeout is ours (settleExternal).
      .andWhere('e.jobId IS NOT NULL')
      // Written exactly graceMs ago is untouched for graceMs: with no grace, everything written until now.
      .andWhere('e.updatedAt <= :cutoff', { cutoff })
      .orderBy('e.createdAt', 'ASC')
      .addOrderBy('e.id', 'ASC')
      .take(PAGE_SIZE);
    if (after) {
      query.andWhere(
        new Brackets((where) =>
          where
            .where('e.createdAt > :afterAt', { afterAt: after.createdAt })
            .orWhere('e.createdAt = :afterAt AND e.id > :afterId', { afterId: after.id }),
        ),
      );
    }
    return query.getMany();
  }

  private async repairPage(page: Execution[], counts: RoundCounts): Promise<void> {
    const byQueue = new Map<string, Execution[]>();
    for (const record of page) byQueue.set(record.queue, [...(byQueue.get(record.queue) ?? []), record]);
    for (const [queue, records] of byQueue) {
      const states = await this.queues.states(
        queue,
        records.map((record) => record.jobId ?? record.id),
      );
      for (const [index, record] of records.entries()) {
        const action = decide(record, states[index]);
        if (action !== 'leave' && (await this.apply(action, record, states[index]))) counts[action]++;
      }
    }
  }

  /** Each change is conditional on the record being as it was read: a worker may have moved on since. */
  private async apply(action: Exclude<ReconcileAction, 'leave'>, record: Execution, jobState: string): Promise<boolean> {
    const jobId = record.jobId ?? record.id;
    const now = new Date();
    const asRead = 'id = :id AND status = :status AND attempts = :attempts';
    const asReadValues = { id: record.id, status: record.status, attempts: record.attempts };
    if (action === 'fail') {
      const [failed] = await updateReturning(
        this.executions,
        { status: 'failed', error: ABANDONED_REASON, completedAt: now, updatedAt: now },
        asRead,
        asReadValues,
      );
      if (!failed) return false;
      this.logger.warn(`execution ${maskId(record.id)} failed: its job is ${jobState} and ${ABANDONED_REASON}`);
      this.events.changed(failed);
      return true;
    }
    const [requeued] = await updateReturning(
      this.executions,
      {
        status: 'pending',
        updatedAt: now,
        ...(record.status === 'running' ? { error: `attempt ${record.attempts} stopped without recording an outcome; requeued` } : {}),
      },
      asRead,
      asReadValues,
    );
    if (!requeued) return false;
    // The finished job holds the id: it must go before the same id can be added again.
    if (jobState !== 'unknown') await this.queues.remove(requeued.queue, jobId);
    await this.queues.enqueue(requeued, this.registry.find(requeued.taskName), 0);
    this.logger.warn(`execution ${maskId(record.id)} was ${record.status} with its job ${jobState}; enqueued again`);
    if (record.status === 'running') this.events.changed(requeued);
    return true;
  }
}
