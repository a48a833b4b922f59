import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AuditActor, AuditLog } from '../audit/audit-log';
import { updateReturning } from '../database/update-returning';
import { Execution } from '../executions/execution.entity';
import { ExecutionEventsPublisher } from '../executions/execution-events-publisher';
import { maskId } from '../logging/redaction';

/** Executions one page of the sweep looks at; a sweep goes on until none is left or its lock is lost. */
const PAGE_SIZE = 200;

/** Who the audit log says cancelled an execution whose approval timed out. */
const SWEEP_ACTOR: AuditActor = { id: null, name: 'system:approval-timeout', tokenId: null, address: null };

/**
 * SPEC 7.11: an execution still awaiting approval at its `approval_deadline` ends `cancelled`.
 * The deadline is on the record, so it holds whatever restarted meanwhile; votes after it are
 * refused (409) even before a sweep has run. Each cancel is guarded by the status: one approved
 * or cancelled meanwhile is left alone.
 */
@Injectable()
export class ApprovalSweeper {
  private readonly logger = new Logger(ApprovalSweeper.name);

  constructor(
    @InjectRepository(Execution) private readonly executions: Repository<Execution>,
    private readonly events: ExecutionEventsPublisher,
    private readonly audit: AuditLog,
  ) {}

  /** Cancels the executions whose deadline passed by `now`; answers how many. */
  async sweep(now = new Date(), signal?: AbortSignal): Promise<number> {
    let cancelled = 0;
    while (!signal?.aborted) {
      const expired = await this.executions
        .createQueryBuilder('e')
        // As the partial index idx_executions_approval_deadline spells it, so both planners may use it.
        .where(`e.status = 'awaiting_approval'`)
        .andWhere('e.approval_deadline <= :now', { now })
        .orderBy('e.approval_deadline', 'ASC')
        .take(PAGE_SIZE)
        .getMany();
      for (const execution of expired) if (await this.cancel(execution, now)) cancelled++;
      if (expired.length < PAGE_SIZE) break;
    }
    return cancelled;
  }

  private async cancel(execution: Execution, now: Date): Promise<boolean> {
    const timeout = describeMs(execution.approvalDeadline!.getTime() - execution.createdAt.getTime());
    const [ended] = await updateReturning(
      this.executions,
      { status: 'cancelled', message: `approval timed out after ${timeout}`, completedAt: now, updatedAt: now },
      `id = :id AND status = 'awaiting_approval'`,
      { id: execution.id },
    );
    if (!ended) return false;
    this.logger.log(`execution ${maskId(execution.id)} cancelled: approval timed out after ${timeout}`);
    await this.audit.record(
      SWEEP_ACTOR,
      'execution.approval_timeout',
      { type: 'execution', id: execution.id },
      { task_name: execution.taskName, deadline: execution.approvalDeadline!.toISOString() },
    );
    // Terminal, like any cancel: SSE, WebSocket, waiters and the execution.finished webhook hear of it.
    this.events.changed(ended);
    return true;
  }
}

/** A duration as the grant's timeout was written: `24h`, `30m`, `2s` (the largest unit that divides it). */
export function describeMs(ms: number): string {
  const units: Array<[string, number]> = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ];
  const unit = units.find(([, size]) => ms > 0 && ms % size === 0);
  return unit ? `${ms / unit[1]}${unit[0]}` : `${ms} ms`;
}
