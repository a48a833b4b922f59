import { Injectable, Logger } from '@nestjs/common';
import { AuditAction } from '../audit/audit-event.entity';
import { AuditLog } from '../audit/audit-log';
import { DomainError } from '../common/domain-errors';
import { AbilityFactory } from '../permissions/ability-factory';
import { Caller } from '../permissions/caller';
import { BULK_DEFAULT_MAX, BulkActionDto, BulkActionResultDto } from './dto/bulk-action.dto';
import { Execution } from './execution.entity';
import { CANCELLABLE, ExecutionControlService, RETRYABLE } from './execution-control.service';
import { ExecutionStatus } from './execution-status';
import { ExecutionsQueryService } from './executions-query.service';
import { ExecutionsService } from './executions.service';

/**
 * Refusals that leave one execution of a bulk retry alone (counted as matched, not affected). Over a
 * quota (SPEC 7.13) is one of them: the retries that fit are made, the others skipped, as a batch does.
 */
const SKIPPED_KINDS: ReadonlySet<DomainError['kind']> = new Set(['forbidden', 'not_found', 'invalid', 'conflict', 'quota_exceeded']);

/** The columns each action reads (never results or tracebacks: thousands of rows stay small). */
const COLUMNS: Record<'cancel' | 'retry', Array<keyof Execution>> = {
  cancel: ['id', 'status', 'taskName', 'ownerId', 'queue', 'createdAt'],
  retry: [
    ...['id', 'status', 'taskName', 'ownerId', 'createdAt', 'args', 'kwargs', 'resource', 'priority', 'timeoutMs'],
    ...['filePath', 'fileName', 'fileSize'],
  ] as Array<keyof Execution>,
};

/** Called with the number of retries about to be submitted, before any is: may refuse them all (429). */
export type AdmitRetries = (count: number) => Promise<void>;

interface Selection {
  matched: number;
  /** At most `max`, oldest first. */
  candidates: Execution[];
}

/**
 * `POST /executions/cancel` and `/retry`: the single actions of ExecutionControlService over the
 * visible executions a filter selects, oldest first, at most `max`; one audit row per bulk action.
 */
@Injectable()
export class BulkControlService {
  private readonly logger = new Logger(BulkControlService.name);

  constructor(
    private readonly queries: ExecutionsQueryService,
    private readonly control: ExecutionControlService,
    private readonly submissions: ExecutionsService,
    private readonly abilities: AbilityFactory,
    private readonly audit: AuditLog,
  ) {}

  async cancel(caller: Caller, request: BulkActionDto): Promise<BulkActionResultDto> {
    const { matched, candidates } = await this.select(caller, request, CANCELLABLE, 'cancel');
    if (request.dry_run) return result(matched, candidates);
    const cancelled = await this.control.cancelMany(caller, candidates, { bulk: true });
    await this.record(caller, 'execution.bulk_cancel', request, matched, cancelled.length);
    return result(matched, cancelled);
  }

  /**
   * Each candidate through the single retry's own path (permission re-checked per execution, the
   * submission admitted by the intake, which batches the writes); refused ones are skipped.
   */
  async retry(caller: Caller, request: BulkActionDto, admit: AdmitRetries): Promise<BulkActionResultDto> {
    const { matched, candidates } = await this.select(caller, request, RETRYABLE, 'retry');
    if (request.dry_run) {
      const runnable = new Map(this.submissions.availableTasks(caller).map((task) => [task.name, task]));
      return result(
        matched,
        candidates.filter((execution) => {
          const task = runnable.get(execution.taskName);
          return task !== undefined && this.submissions.meetsConditions(caller, task, execution);
        }),
      );
    }
    await admit(candidates.length);
    const settled = await Promise.allSettled(candidates.map((original) => this.control.retryOriginal(caller, original)));
    const created = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [{ id: outcome.value.execution_id }] : []));
    const failures = settled.flatMap((outcome) =>
      outcome.status === 'rejected' && !(outcome.reason instanceof DomainError && SKIPPED_KINDS.has(outcome.reason.kind))
        ? [outcome.reason as Error]
        : [],
    );
    await this.record(caller, 'execution.bulk_retry', request, matched, created.length, failures.length);
    if (failures.length > 0) {
      this.logger.warn(`bulk retry: ${failures.length} of ${candidates.length} failed, first: ${failures[0].message}`);
      if (created.length === 0) throw failures[0]; // e.g. the queue is down: 503, as for a single retry
    }
    return result(matched, created);
  }

  private async select(
    caller: Caller,
    request: BulkActionDto,
    statuses: ExecutionStatus[],
    action: 'cancel' | 'retry',
  ): Promise<Selection> {
    const qb = this.queries.matching(caller, request.filter);
    if (!qb) return { matched: 0, candidates: [] };
    qb.andWhere('e.status IN (:...actionable)', { actionable: statuses });
    const matched = await qb.clone().getCount();
    const rows = await qb
      .select(COLUMNS[action].map((column) => `e.${column}`))
      .orderBy('e.created_at', 'ASC')
      .addOrderBy('e.id', 'ASC')
      .limit(request.max ?? BULK_DEFAULT_MAX)
      .getMany();
    // The SQL applies the read rules; the action's own rules are the same today, and checked here so they stay so.
    const ability = this.abilities.createForCaller(caller);
    return { matched, candidates: rows.filter((execution) => ability.can(action, execution)) };
  }

  private record(
    caller: Caller,
    action: AuditAction,
    request: BulkActionDto,
    matched: number,
    affected: number,
    failed = 0,
  ): Promise<void> {
    return this.audit.record(
      caller,
      action,
      { type: 'execution', id: 'bulk' },
      { filter: request.filter, max: request.max ?? BULK_DEFAULT_MAX, matched, affected, ...(failed ? { failed } : {}) },
    );
  }
}

function result(matched: number, executions: Array<{ id: string }>): BulkActionResultDto {
  return { matched, affected: executions.length, execution_ids: executions.map((execution) => execution.id) };
}
