import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ConflictError, InvalidInputError, NotFoundError } from '../common/domain-errors';
import { AuditLog } from '../audit/audit-log';
import { Caller } from '../permissions/caller';
import { ExecutionEventsPublisher } from './execution-events-publisher';
import { CancelChannel } from '../queue/cancel-channel';
import { ExecutionQueues } from '../queue/execution-queues';
import { TaskRegistry } from '../task-registry/task-registry';
import { ExecutionAcceptedDto } from './dto/execution.dto';
import { UpdateExecutionDto } from './dto/update-execution.dto';
import { Execution } from './execution.entity';
import { ExecutionStatus, isTerminal } from './execution-status';
import { SetValues, updateReturning } from '../database/update-returning';
import { ExecutionsService } from './executions.service';
import { canMove } from './status-transitions';
import { ExecutionRemoval } from './execution-removal';

export const RETRYABLE: ExecutionStatus[] = ['failed', 'cancelled', 'timeout'];
/** Awaiting approval (SPEC 7.11) ends at once, like pending: it has no job yet. */
export const CANCELLABLE: ExecutionStatus[] = ['awaiting_approval', 'pending', 'running'];

/** Rows per statement of a many-row write: well under both databases' bound-parameter limits. */
const CHUNK = 1000;

/** Cancel, retry, delete and external updates of executions (one, or many for the bulk actions). */
@Injectable()
export class ExecutionControlService {
  constructor(
    @InjectRepository(Execution) private readonly executions: Repository<Execution>,
    private readonly submissions: ExecutionsService,
    private readonly registry: TaskRegistry,
    private readonly queues: ExecutionQueues,
    private readonly cancels: CancelChannel,
    private readonly events: ExecutionEventsPublisher,
    private readonly audit: AuditLog,
    private readonly removal: ExecutionRemoval,
  ) {}

  /** Awaiting approval or pending (or delayed) ends at once; running gets its signal fired in whichever worker holds it. */
  async cancel(caller: Caller, id: string): Promise<Execution> {
    const execution = await this.submissions.findVisible(caller, id, 'cancel');
    const [cancelled] = await this.cancelMany(caller, [execution]);
    if (cancelled) return cancelled;
    const current = await this.reload(id);
    if (isTerminal(current.status)) throw new ConflictError(`execution ${id} is already ${current.status}`);
    return this.cancel(caller, id); // it moved between our read and our write: decide again
  }

  /**
   * Cancels those of `executions` (as read) still in the status they were read in: pending ones end
   * at once, running ones are marked and their workers signalled; one statement per status and
   * chunk, guarded by the status, so one that moved meanwhile is left alone. Each cancelled one is
   * audited and announced. Answers the cancelled ones, in the given order.
   */
  async cancelMany(caller: Caller, executions: Execution[], details: Record<string, unknown> = {}): Promise<Execution[]> {
    const now = new Date();
    const endNow = {
      status: 'cancelled' as const,
      cancelRequestedAt: now,
      completedAt: now,
      updatedAt: now,
      error: 'cancelled before it ran',
    };
    const ended = await this.updateIfStill(executions, 'pending', endNow);
    await Promise.all(ended.map((execution) => this.queues.remove(execution.queue, execution.id)));
    // Awaiting approval, it was never enqueued: nothing to remove.
    ended.push(...(await this.updateIfStill(executions, 'awaiting_approval', endNow)));
    const was = new Map(executions.map((execution) => [execution.id, execution.status]));
    const marked = await this.updateIfStill(executions, 'running', { cancelRequestedAt: now, updatedAt: now });
    await Promise.all(marked.map((execution) => this.cancels.publish(execution.id)));
    // RETURNING follows the database's own row order: answer in the order given (oldest first, for the bulk cancel).
    const position = new Map(executions.map((execution, index) => [execution.id, index]));
    const cancelled = [...ended, ...marked].sort((a, b) => (position.get(a.id) ?? 0) - (position.get(b.id) ?? 0));
    for (let start = 0; start < cancelled.length; start += CHUNK) {
      await this.audit.recordMany(
        cancelled.slice(start, start + CHUNK).map((execution) => ({
          who: caller,
          action: 'execution.cancel' as const,
          target: { type: 'execution' as const, id: execution.id },
          details: { task_name: execution.taskName, was: was.get(execution.id), ...details },
        })),
      );
    }
    for (const execution of cancelled) this.events.changed(execution);
    return cancelled;
  }

  private async updateIfStill(
    executions: Execution[],
    status: 'awaiting_approval' | 'pending' | 'running',
    set: SetValues<Execution>,
  ): Promise<Execution[]> {
    const ids = executions.filter((execution) => execution.status === status).map((execution) => execution.id);
    const updated: Execution[] = [];
    for (let start = 0; start < ids.length; start += CHUNK) {
      const chunk = ids.slice(start, start + CHUNK);
      updated.push(...(await updateReturning(this.executions, set, 'id IN (:...ids) AND status = :status', { ids: chunk, status })));
    }
    return updated;
  }

  /** A new execution with the same input, `retried_from` set; permissions are checked again now. */
  async retry(caller: Caller, id: string): Promise<ExecutionAcceptedDto> {
    return this.retryOriginal(caller, await this.submissions.findVisible(caller, id, 'retry'));
  }

  /** The retry of an execution already read and found visible: 409 unless it ended unsuccessfully, 403 without permission. */
  async retryOriginal(caller: Caller, original: Execution): Promise<ExecutionAcceptedDto> {
    if (!RETRYABLE.includes(original.status)) {
      throw new ConflictError(`only failed, cancelled or timed-out executions can be retried; this one is ${original.status}`);
    }
    const task = this.registry.get(original.taskName);
    await this.submissions.authorizeExecute(caller, task, original.id);
    // The retry shares the original's stored file: nothing is copied, so retries cost no storage.
    const file = original.filePath
      ? { path: original.filePath, name: original.fileName ?? 'upload', size: original.fileSize ?? 0 }
      : undefined;
    const timeout = original.timeoutMs ?? undefined;
    return this.submissions.submit(
      caller,
      {
        task_name: original.taskName,
        args: original.args,
        kwargs: original.kwargs,
        resource: original.resource ?? undefined,
        priority: original.priority ?? undefined,
        timeout_ms: task.timeoutMs !== undefined && timeout !== undefined ? Math.min(timeout, task.timeoutMs) : timeout,
        // The retry reports to the same receiver; the URL is checked again like any submission's.
        callback_url: original.callbackUrl ?? undefined,
      },
      { retriedFrom: original.id, file },
    );
  }

  /** Finished executions only; the stored upload, event history and job go with the record. */
  async delete(caller: Caller, id: string): Promise<void> {
    const execution = await this.submissions.findVisible(caller, id, 'delete');
    if (!isTerminal(execution.status)) throw new ConflictError(`execution ${id} is still ${execution.status}; cancel it first`);
    const [deleted] = await this.removal.removeFinished([id]);
    if (!deleted) throw new ConflictError(`execution ${id} changed while being deleted`);
    await this.audit.record(
      caller,
      'execution.delete',
      { type: 'execution', id },
      { task_name: execution.taskName, status: execution.status },
    );
  }

  /** `PATCH`: a service doing the work elsewhere reports status and progress; only legal moves. */
  async update(caller: Caller, id: string, patch: UpdateExecutionDto): Promise<Execution> {
    const execution = await this.submissions.findVisible(caller, id, 'update');
    // A validated DTO holds every declared field, the absent ones as undefined: count the ones sent.
    if (Object.values(patch).every((value) => value === undefined)) throw new InvalidInputError(['the body must set at least one field']);
    if (isTerminal(execution.status)) throw new ConflictError(`execution ${id} is ${execution.status} and can no longer change`);
    // Only its approvers move it on (SPEC 7.11): a reporter's PATCH would skip the vote.
    if (execution.status === 'awaiting_approval')
      throw new ConflictError(`execution ${id} is awaiting approval; only its approvers decide`);
    const to = patch.status ?? execution.status;
    if (to !== execution.status && !canMove(execution.status, to)) {
      throw new ConflictError(`an execution cannot go from ${execution.status} to ${to}`);
    }
    const now = new Date();
    const fields: Partial<Execution> = { updatedAt: now };
    if (patch.progress !== undefined) fields.progress = patch.progress;
    if (patch.stage !== undefined) fields.stage = patch.stage;
    if (patch.message !== undefined) fields.message = patch.message;
    if (patch.error_message !== undefined) fields.error = patch.error_message;
    if (to !== execution.status) {
      fields.status = to;
      // An external reporter taking a pending execution runs it elsewhere: it leaves the queue (no job).
      if (to === 'running')
        Object.assign(fields, {
          startedAt: now,
          attempts: execution.attempts + 1,
          ...(execution.status === 'pending' ? { jobId: null } : {}),
        });
      // Handed back by its reporter: it returns to the queue under its own id.
      if (to === 'pending' && execution.jobId === null) fields.jobId = execution.id;
      if (to === 'completed') fields.progress = 100;
      if (isTerminal(to)) Object.assign(fields, { completedAt: now, durationMs: now.getTime() - (execution.startedAt ?? now).getTime() });
    }
    const written = await this.executions.update({ id, status: execution.status, attempts: execution.attempts }, fields);
    if (!written.affected) throw new ConflictError(`execution ${id} changed concurrently; read it and try again`);
    await this.audit.record(caller, 'execution.update', { type: 'execution', id }, { ...patch, from: execution.status, to });
    const updated = await this.reloadAndPublish(id);
    if (execution.jobId !== null && updated.jobId === null) {
      // No worker may start it now. A job already picked up is skipped by the claim (the record is running and has no job).
      await this.queues.remove(execution.queue, execution.jobId);
    } else if (execution.jobId === null && updated.jobId !== null) {
      await this.queues.enqueue(updated, this.registry.find(updated.taskName), 0);
    }
    return updated;
  }

  private async reloadAndPublish(id: string): Promise<Execution> {
    const execution = await this.reload(id);
    this.events.changed(execution);
    return execution;
  }

  private async reload(id: string): Promise<Execution> {
    const execution = await this.executions.findOneBy({ id });
    if (!execution) throw new NotFoundError(`execution ${id} not found`);
    return execution;
  }
}
