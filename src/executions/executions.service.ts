import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Repository } from 'typeorm';
import { InvalidInputError, NotFoundError, PermissionDeniedError } from '../common/domain-errors';
import { AuditLog } from '../audit/audit-log';
import { isUniqueViolation } from '../database/unique-violation';
import { AbilityFactory, Action } from '../permissions/ability-factory';
import { Caller } from '../permissions/caller';
import { AccessDecision, approvalRequirements, authorizationsOf, decideAccess } from '../permissions/access-decision';
import { approvalTimeoutMs } from '../permissions/grant-approval';
import { describeConditions } from '../permissions/grant-conditions';
import { QuotaLedger } from '../quotas/quota-ledger';
import { quotaSubjects } from '../quotas/quota-subjects';
import { DEFAULT_PRIORITY } from '../queue/execution-job';
import { jobFor } from '../queue/execution-queues';
import { checkKwargs } from '../task-registry/kwargs-validation';
import { TaskDefinition } from '../task-registry/task-definition';
import { TaskRegistry } from '../task-registry/task-registry';
import { CallbackUrlPolicy } from '../webhooks/callback-url-policy';
import { SensitiveKwargs } from '../secrets/sensitive-kwargs';
import { ExecuteTaskDto } from './dto/execute-task.dto';
import { ExecutionAcceptedDto } from './dto/execution.dto';
import { ExplainRequestDto, ExplanationDto } from './dto/explain.dto';
import { Execution } from './execution.entity';
import { Admission, ExecutionIntake } from './execution-intake';
import { ExecuteDenied } from './execute-denied';
import { IdempotencyKeys } from './idempotency-keys';

const REPLAYED = 'replayed: this Idempotency-Key was used for the same request';

/** What a submission may carry besides the request body. */
export interface SubmissionExtras {
  idempotencyKey?: string;
  retriedFrom?: string;
  file?: { path: string; name: string; size: number };
}

@Injectable()
export class ExecutionsService {
  constructor(
    @InjectRepository(Execution) private readonly executions: Repository<Execution>,
    private readonly registry: TaskRegistry,
    private readonly abilities: AbilityFactory,
    private readonly intake: ExecutionIntake,
    private readonly idempotency: IdempotencyKeys,
    private readonly audit: AuditLog,
    private readonly callbacks: CallbackUrlPolicy,
    private readonly sensitive: SensitiveKwargs,
    private readonly quotas: QuotaLedger,
  ) {}

  /** Checks everything first, so a rejected request writes nothing; then records and enqueues. */
  async submit(caller: Caller, request: ExecuteTaskDto, extras: SubmissionExtras = {}): Promise<ExecutionAcceptedDto> {
    let admission: Admission;
    try {
      admission = await this.admissionFor(caller, request, extras);
    } catch (error) {
      if (error instanceof ExecuteDenied) await this.audit.recordMany([error.audit]);
      throw error;
    }
    const { execution } = admission;
    // A replay answers before any quota is counted: it makes nothing new.
    if (extras.idempotencyKey) {
      const replay = await this.idempotency.claim(execution, extras.idempotencyKey, request);
      if (replay) return accepted(replay, REPLAYED);
    }
    // SPEC 7.13, after every other check and before anything is written; nothing at all without quotas.
    const subjects = quotaSubjects(caller, admission.decision);
    await this.quotas.claim(subjects, execution.id);
    try {
      if (extras.idempotencyKey) {
        const replay = await this.insertOnce(execution, extras.idempotencyKey, request);
        if (replay) {
          await this.quotas.release(subjects, execution.id);
          return accepted(replay, REPLAYED);
        }
        admission.inserted = true;
      }
      await this.intake.admit(admission);
    } catch (error) {
      // Not made (or, if the queue refused it, failed at once): it counts against nothing.
      await this.quotas.release(subjects, execution.id);
      throw error;
    }
    return accepted(
      execution,
      execution.status === 'awaiting_approval' ? `task "${execution.taskName}" awaits approval` : `task "${execution.taskName}" accepted`,
    );
  }

  /**
   * SPEC 7.12: what execute would decide for this request, writing nothing. The same decision and
   * the same checks as `admissionFor`, in its order: unknown task (404); then, unless refused, the
   * kwargs (400). A refusal is an answer here, not a 403.
   */
  async explain(caller: Caller, request: ExplainRequestDto): Promise<ExplanationDto> {
    const task = this.registry.get(request.task_name);
    const kwargs = request.kwargs ?? {};
    const decision = decideAccess(caller, task, { kwargs, resource: request.resource ?? null });
    if (decision.outcome !== 'denied') await this.checkInput(task, kwargs, request);
    return {
      task_name: task.name,
      outcome: decision.outcome,
      permissions: decision.permissions.map(({ permission, outcome, grant_id, via, conditions, reason }) => ({
        permission,
        outcome,
        grant_id,
        via,
        conditions,
        reason,
      })),
    };
  }

  /**
   * The checks of one request (single execute, retry, upload, batch item), in the order a single
   * execute answers them: unknown task (404), permission, then the conditions of the caller's
   * grants on this request's kwargs and resource (403, an `ExecuteDenied` carrying its audit row,
   * which the caller writes), kwargs and timeout (400). Then the record, job and audit
   * row to write. Writes nothing itself.
   */
  async admissionFor(caller: Caller, request: ExecuteTaskDto, extras: SubmissionExtras = {}): Promise<Admission> {
    const task = this.registry.get(request.task_name);
    // A retry's kwargs come from the record: its sensitive values are opened to be checked again, then sealed anew.
    const kwargs = extras.retriedFrom ? this.sensitive.open(task, request.kwargs ?? {}) : (request.kwargs ?? {});
    const decision = decideAccess(caller, task, { kwargs, resource: request.resource ?? null });
    const refused = this.refusal(caller, task, decision, extras.retriedFrom);
    if (refused) throw refused;
    await this.checkInput(task, kwargs, request);

    const execution = this.newExecution(caller, task, request, this.sensitive.seal(task, kwargs), extras, decision);
    return {
      execution,
      job: decision.outcome === 'run' ? jobFor(execution, task, request.delay_ms ?? 0) : null,
      decision,
      audit: {
        who: caller,
        action: extras.retriedFrom ? 'execution.retry' : 'execution.execute',
        target: { type: 'execution', id: execution.id },
        details: {
          task_name: task.name,
          ...(extras.retriedFrom ? { retried_from: extras.retriedFrom } : {}),
          ...(decision.outcome === 'approval' ? { awaiting_approval: true } : {}),
        },
      },
    };
  }

  /** The request's own checks, after the permission ones (400): kwargs, timeout, callback URL. */
  private async checkInput(task: TaskDefinition, kwargs: Record<string, unknown>, request: Partial<ExecuteTaskDto>): Promise<void> {
    const check = await checkKwargs(task, kwargs);
    if (!check.ok) throw new InvalidInputError(check.problems);
    if (request.timeout_ms !== undefined && task.timeoutMs !== undefined && request.timeout_ms > task.timeoutMs) {
      throw new InvalidInputError([`timeout_ms must not exceed ${task.timeoutMs}, the maximum of task "${task.name}"`]);
    }
    if (request.callback_url !== undefined) await this.callbacks.checkSubmission(request.callback_url);
  }

  /** The record of a request whose Idempotency-Key was claimed, or the execution of a request that took the key meanwhile. */
  private async insertOnce(execution: Execution, key: string, request: ExecuteTaskDto): Promise<Execution | null> {
    try {
      await this.executions.insert(execution);
      return null;
    } catch (error) {
      // Two requests with one key at the same moment: the loser answers like a replay (or 409).
      if (isUniqueViolation(error)) {
        const winner = await this.idempotency.claim(execution, key, request);
        if (winner) return winner;
      }
      throw error;
    }
  }

  /**
   * An execution the caller may read, and may act on with `action`: one it may not read is
   * reported exactly like a missing one (404); one it reads but may not act on is a 403.
   */
  async findVisible(caller: Caller, id: string, action: Action = 'read'): Promise<Execution> {
    const execution = await this.executions.findOneBy({ id });
    if (!execution || !this.mayRead(caller, execution)) throw new NotFoundError(`execution ${id} not found`);
    // Read as an approver (SPEC 7.11), an execution is not the caller's to act on: 403.
    if (action !== 'read' && this.abilities.createForCaller(caller).cannot(action, execution)) {
      throw new PermissionDeniedError(`you may not ${action} this execution`);
    }
    return execution;
  }

  /** Whether the caller may read the execution now (a missing one is not visible either). */
  async isVisible(caller: Caller, id: string): Promise<boolean> {
    const execution = await this.executions.findOneBy({ id });
    return execution !== null && this.mayRead(caller, execution);
  }

  /** Its owner (as the ability says) or one of its approvers (SPEC 7.11) reads an execution. */
  mayRead(caller: Caller, execution: Execution): boolean {
    return this.abilities.createForCaller(caller).can('read', execution) || this.abilities.isApprover(caller, execution);
  }

  availableTasks(caller: Caller): TaskDefinition[] {
    const ability = this.abilities.createForCaller(caller);
    return this.registry.all().filter((task) => ability.can('execute', task));
  }

  /** Whether the caller may run (at once or after approval) `task` with this input. */
  meetsConditions(caller: Caller, task: TaskDefinition, input: { kwargs: Record<string, unknown>; resource: string | null }): boolean {
    return decideAccess(caller, task, input).outcome !== 'denied';
  }

  /**
   * A 403 naming what is missing for a task the caller may not run under any kwargs; the refusal
   * is audited. Conditions on grants need the request: `admissionFor` checks them.
   */
  async authorizeExecute(caller: Caller, task: TaskDefinition, retriedFrom?: string): Promise<void> {
    if (this.abilities.createForCaller(caller).can('execute', task)) return;
    const denied = this.missingDenial(caller, task, task.missingPermissions(caller.permissions), retriedFrom);
    await this.audit.recordMany([denied.audit]);
    throw denied;
  }

  /**
   * The refusal of a decision, with its audit row; null when it runs or waits. Permissions not
   * held (or outside the token's scopes) are named first, as before any kwargs are looked at; then
   * those whose grants' conditions this request does not meet (SPEC 7.7), in words: only the
   * caller's own grants are described, and never the request's values.
   */
  private refusal(caller: Caller, task: TaskDefinition, decision: AccessDecision, retriedFrom?: string): ExecuteDenied | null {
    if (decision.outcome !== 'denied') return null;
    const refused = decision.permissions.filter((entry) => entry.outcome === 'denied');
    const missing = refused.filter((entry) => entry.denial?.kind !== 'condition').map((entry) => entry.permission);
    if (missing.length > 0) return this.missingDenial(caller, task, missing, retriedFrom);
    const why = refused.map(({ permission, denial }) => {
      const anyOf = denial!.grants!.map((grant) => describeConditions(grant.conditions!));
      return `permission ${permission}: ${anyOf.length === 1 ? 'your grant allows' : 'your grants allow'} it only when ${anyOf.join(', or when ')}`;
    });
    return new ExecuteDenied(`task "${task.name}": the conditions of your grants do not match this request; ${why.join('; ')}`, {
      who: caller,
      action: 'execution.execute_denied',
      target: { type: 'task', id: task.name },
      details: { unmet_conditions: refused.map((entry) => entry.permission), ...(retriedFrom ? { retried_from: retriedFrom } : {}) },
    });
  }

  private missingDenial(caller: Caller, task: TaskDefinition, missing: string[], retriedFrom?: string): ExecuteDenied {
    return new ExecuteDenied(`task "${task.name}" needs permission(s) ${task.permissions.join(', ')}; missing: ${missing.join(', ')}`, {
      who: caller,
      action: 'execution.execute_denied',
      target: { type: 'task', id: task.name },
      details: { missing_permissions: missing, ...(retriedFrom ? { retried_from: retriedFrom } : {}) },
    });
  }

  private newExecution(
    caller: Caller,
    task: TaskDefinition,
    request: ExecuteTaskDto,
    kwargs: Record<string, unknown>,
    extras: SubmissionExtras,
    decision: AccessDecision,
  ): Execution {
    const id = randomUUID();
    const now = new Date();
    const requirements = approvalRequirements(decision);
    const waitMs = Math.min(...decision.permissions.filter((entry) => entry.approval).map((entry) => approvalTimeoutMs(entry.approval!)));
    return this.executions.create({
      id,
      taskName: task.name,
      status: requirements.length > 0 ? 'awaiting_approval' : 'pending',
      args: request.args ?? [],
      kwargs,
      result: null,
      progress: 0,
      resource: request.resource ?? null,
      ownerId: caller.principal.id,
      jobId: id,
      attempts: 0,
      maxAttempts: task.attempts,
      priority: request.priority ?? DEFAULT_PRIORITY,
      queue: task.queue,
      timeoutMs: request.timeout_ms ?? task.timeoutMs ?? null,
      retriedFrom: extras.retriedFrom ?? null,
      callbackUrl: request.callback_url ?? null,
      fileName: extras.file?.name ?? null,
      fileSize: extras.file?.size ?? null,
      filePath: extras.file?.path ?? null,
      authorizedBy: authorizationsOf(decision),
      approval: requirements.length > 0 ? { requirements, votes: [] } : null,
      approvalDeadline: requirements.length > 0 ? new Date(now.getTime() + waitMs) : null,
      createdAt: now,
      updatedAt: now,
    });
  }
}

function accepted(execution: Execution, message: string): ExecutionAcceptedDto {
  return { execution_id: execution.id, job_id: execution.jobId ?? execution.id, status: execution.status, message };
}
