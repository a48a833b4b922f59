import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { AuditEntry, AuditLog } from '../audit/audit-log';
import { AppConfig } from '../config/app-config';
import { bulkInsert } from '../database/bulk-insert';
import { ExecutionQueues, JobToAdd } from '../queue/execution-queues';
import type { AccessDecision } from '../permissions/access-decision';
import { Execution } from './execution.entity';
import { crashIfInjected } from './fault-injection';
import { WebhookQueue } from '../webhooks/webhook-queue';
import { maskId } from '../logging/redaction';
import { webhookJobOf } from './execution-webhook-job';

/** One accepted execution on its way in. */
export interface Admission {
  execution: Execution;
  /** Null for an execution awaiting approval (SPEC 7.11): it is enqueued once approved. */
  job: JobToAdd | null;
  /** How it was authorized, and the grants (quotas) it answers to. */
  decision: AccessDecision;
  audit: AuditEntry;
  /** Already inserted by the caller (the Idempotency-Key path, which needs its own insert to detect races). */
  inserted?: boolean;
}

interface Waiting extends Admission {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Executions a batch may hold: one statement's parameters stay well under PostgreSQL's 65 535. */
const MAX_BATCH = 100;

/**
 * Records, audits and enqueues accepted executions in batches: one statement writing the records
 * and their audit rows together, then one `addBulk` per queue, for as many
 * executions as arrived while the previous batch was being written. Nothing waits for a batch to
 * fill: a lone request is written at once, so batching costs no latency, and under load it turns
 * several statements per execution into a few per batch.
 *
 * Each caller's promise settles as its single write would have: resolved once its record is
 * committed and its job exists; rejected with the insert's error (nothing was written) or with the
 * queue's (its record is then `failed`, saying it could not be enqueued). The audit row is written
 * with the record, so no execution exists without one (one whose job could not be enqueued keeps
 * its row: the request was made, and the record says how it ended).
 */
@Injectable()
export class ExecutionIntake {
  private readonly logger = new Logger(ExecutionIntake.name);
  private waiting: Waiting[] = [];
  private flushing = false;

  constructor(
    private readonly config: AppConfig,
    @InjectRepository(Execution) private readonly executions: Repository<Execution>,
    private readonly queues: ExecutionQueues,
    private readonly audit: AuditLog,
    private readonly webhooks: WebhookQueue,
  ) {}

  admit(admission: Admission): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ ...admission, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        // Those arriving in the same turn of the event loop share the first batch.
        setImmediate(() => void this.flushAll());
      }
    });
  }

  private async flushAll(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, MAX_BATCH);
      // A promise already settled ignores a second reject: only those still waiting hear this error.
      await this.flush(batch).catch((error: unknown) => batch.forEach((entry) => entry.reject(error)));
    }
    this.flushing = false;
  }

  private async flush(waiting: Waiting[]): Promise<void> {
    const batch = await this.insert(waiting);
    if (batch.length === 0) return;
    crashIfInjected(this.config, 'exit-before-enqueue');

    const awaiting = batch.filter((entry) => entry.job === null);
    this.announceAwaiting(awaiting);
    awaiting.forEach((entry) => entry.resolve());
    for (const group of groupByQueue(batch)) {
      try {
        await this.queues.enqueueMany(
          group[0].execution.queue,
          group.map((entry) => entry.job!),
        );
        group.forEach((entry) => entry.resolve());
      } catch (error) {
        await this.markNotEnqueued(group, error as Error);
        group.forEach((entry) => entry.reject(error));
      }
    }
  }

  /**
   * A batch request's executions, all or nothing for its caller: the records and audit rows in one
   * transaction, then one `addBulk` per queue, all at once. If any queue refuses, every record of the
   * batch is failed (a job that did get in is skipped by the claim, which wants a pending record)
   * and the queue's error is thrown: nothing accepted, nothing left pending.
   */
  async admitAll(admissions: Admission[]): Promise<void> {
    if (admissions.length === 0) return;
    await bulkInsert(
      { repository: this.executions, entities: admissions.map((entry) => entry.execution) },
      this.audit.rowsFor(admissions.map((entry) => entry.audit)),
    );
    crashIfInjected(this.config, 'exit-before-enqueue');
    const enqueued = await Promise.allSettled(
      groupByQueue(admissions).map((group) =>
        this.queues.enqueueMany(
          group[0].execution.queue,
          group.map((entry) => entry.job!),
        ),
      ),
    );
    const refused = enqueued.find((outcome) => outcome.status === 'rejected');
    if (refused) {
      await this.markNotEnqueued(admissions, refused.reason as Error);
      throw refused.reason;
    }
    // Only now: a batch the queue refused accepted nothing, those awaiting approval included.
    this.announceAwaiting(admissions.filter((entry) => entry.job === null));
  }

  /**
   * The records and their audit rows in one statement (one transaction on SQLite); if that fails,
   * each entry on its own, so a record the database refuses fails its own request and no other.
   * Answers the entries whose records are now written.
   */
  private async insert(batch: Waiting[]): Promise<Waiting[]> {
    try {
      await this.write(batch);
      return batch;
    } catch (error) {
      if (batch.length === 1 && !batch[0].inserted) throw error;
    }
    const written: Waiting[] = [];
    for (const entry of batch) {
      try {
        // A record inserted beforehand (Idempotency-Key) is there whatever happens to its audit row,
        // which recordMany writes or logs as failed.
        await (entry.inserted ? this.audit.recordMany([entry.audit]) : this.write([entry]));
        written.push(entry);
      } catch (error) {
        entry.reject(error);
      }
    }
    return written;
  }

  private async write(entries: Waiting[]): Promise<void> {
    const fresh = entries.filter((entry) => !entry.inserted).map((entry) => entry.execution);
    await bulkInsert({ repository: this.executions, entities: fresh }, this.audit.rowsFor(entries.map((entry) => entry.audit)));
  }

  /**
   * SPEC 7.11: the `execution.awaiting_approval` webhook of executions now recorded as awaiting
   * approval, to their callback URL. Never throws: the reconciler enqueues one found missing.
   */
  private announceAwaiting(admissions: Admission[]): void {
    for (const { execution } of admissions) {
      if (!execution.callbackUrl) continue;
      this.webhooks
        .add(webhookJobOf(execution, 'execution.awaiting_approval'))
        .catch((error: Error) =>
          this.logger.warn(`awaiting-approval webhook of ${maskId(execution.id)} not enqueued (the reconciler will): ${error.message}`),
        );
    }
  }

  /** The records must not claim to be pending when no job exists for them. */
  private async markNotEnqueued(group: Admission[], error: Error): Promise<void> {
    const now = new Date();
    try {
      await this.executions.update(
        // Awaiting approval too: a batch the queue refused leaves none of its executions waiting.
        { id: In(group.map((entry) => entry.execution.id)), status: In(['pending', 'awaiting_approval']) },
        // The key is released so that the client's retry with it is a new attempt, not a replay of this failure.
        {
          status: 'failed',
          error: `could not enqueue: ${error.message}`,
          completedAt: now,
          updatedAt: now,
          durationMs: 0,
          idempotencyKey: null,
        },
      );
    } catch (writeError) {
      // The reconciler enqueues them later: they are pending with no job, which it looks for.
      this.logger.warn(`could not mark ${group.length} unenqueued executions failed: ${(writeError as Error).message}`);
    }
  }
}

/** The admissions with a job, by queue (one awaiting approval has none yet). */
function groupByQueue<T extends Admission>(batch: T[]): T[][] {
  const groups = new Map<string, T[]>();
  for (const entry of batch.filter((admission) => admission.job !== null))
    groups.set(entry.execution.queue, [...(groups.get(entry.execution.queue) ?? []), entry]);
  return [...groups.values()];
}
