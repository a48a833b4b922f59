import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Brackets, DataSource, EntityManager, Repository } from 'typeorm';
import { KeysetColumns, KeysetPage, readKeysetPage } from '../common/keyset-page';
import { AuditLog } from '../audit/audit-log';
import { AppConfig } from '../config/app-config';
import { ConflictError, NotFoundError, PermissionDeniedError } from '../common/domain-errors';
import { isUniqueViolation } from '../database/unique-violation';
import { Execution } from '../executions/execution.entity';
import { ExecutionEventsPublisher } from '../executions/execution-events-publisher';
import { ExecutionsService } from '../executions/executions.service';
import { maskId } from '../logging/redaction';
import { AbilityFactory } from '../permissions/ability-factory';
import type { Caller } from '../permissions/caller';
import { ExecutionQueues } from '../queue/execution-queues';
import { TaskRegistry } from '../task-registry/task-registry';
import { RecordedVote, tally } from './approval-tally';
import { ExecutionVote, VoteDecision } from './execution-vote.entity';
import { KeyedMutex } from './keyed-mutex';

/**
 * SPEC 7.11: approvers' votes on executions awaiting approval. Each vote is one transaction that
 * serializes the votes of one execution (PostgreSQL: its row locked FOR UPDATE; SQLite, which has
 * one connection per process: one vote per execution at a time in this process), records the
 * vote in `execution_votes` (one per principal: the unique index settles a race) and on the
 * record, and moves the record on when the tally decides: `pending` (then enqueued) or `cancelled`.
 */
@Injectable()
export class ApprovalsService {
  private readonly logger = new Logger(ApprovalsService.name);
  private readonly voting = new KeyedMutex();

  constructor(
    @InjectRepository(Execution) private readonly executions: Repository<Execution>,
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly submissions: ExecutionsService,
    private readonly abilities: AbilityFactory,
    private readonly queues: ExecutionQueues,
    private readonly registry: TaskRegistry,
    private readonly events: ExecutionEventsPublisher,
    private readonly audit: AuditLog,
  ) {}

  /**
   * 404 unless the caller may read it (owner, approver, admin); 403 for its requester, for one who
   * is not an approver, for a second vote; 409 once it no longer awaits approval or its deadline passed.
   */
  async vote(caller: Caller, id: string, decision: VoteDecision, comment: string | null): Promise<Execution> {
    const read = await this.submissions.findVisible(caller, id);
    if (read.ownerId === caller.principal.id)
      throw new PermissionDeniedError('you requested this execution: approvers other than you decide on it');
    if (!this.abilities.isApprover(caller, read)) throw new PermissionDeniedError('you are not an approver of this execution');
    const cast = () => this.dataSource.transaction((manager) => this.castVote(manager, caller, id, decision, comment));
    // PostgreSQL serializes on the row lock, across processes; SQLite's one connection per process, here.
    const { execution, changed } = await (this.config.isPostgres ? cast() : this.voting.run(id, cast));
    await this.audit.record(
      caller,
      decision === 'approve' ? 'execution.approve' : 'execution.reject',
      { type: 'execution', id },
      { task_name: execution.taskName, comment, status: execution.status },
    );
    this.events.changed(execution);
    if (changed && execution.status === 'pending') {
      // Left pending without a job if this fails: the reconciler enqueues such records.
      await this.queues
        .enqueue(execution, this.registry.find(execution.taskName), 0)
        .catch((error: Error) => this.logger.warn(`approved execution ${maskId(id)} not enqueued (the reconciler will): ${error.message}`));
    }
    return execution;
  }

  /**
   * `GET /approvals`: the executions awaiting the caller's vote (its groups among their approval
   * groups, not its own, not voted on yet, deadline not passed), oldest first, keyset-paged.
   */
  async awaitingVote(caller: Caller, page: { limit: number; cursor?: string }): Promise<KeysetPage<Execution>> {
    if (caller.groups.length === 0) return { items: [], nextCursor: null };
    const qb = this.executions
      .createQueryBuilder('e')
      // As the partial index idx_executions_approval_deadline spells it, so both planners may use it.
      .where(`e.status = 'awaiting_approval'`)
      .andWhere('e.approval_deadline > :now', { now: new Date() })
      .andWhere('e.owner_id <> :me', { me: caller.principal.id })
      .andWhere('NOT EXISTS (SELECT 1 FROM execution_votes v WHERE v.execution_id = e.id AND v.principal_id = :me)')
      .andWhere(
        new Brackets((any) =>
          // The requirements as stored (simple-json): `"group":"<name>"` names a requirement's group and nothing else.
          caller.groups.forEach((group, index) =>
            any.orWhere(`e.approval LIKE :group${index} ESCAPE '\\'`, {
              [`group${index}`]: `%${likeEscaped(JSON.stringify({ group }).slice(1, -1))}%`,
            }),
          ),
        ),
      );
    if (caller.token.scopes !== null) {
      const covered = this.registry
        .all()
        .filter((task) => this.abilities.scopesCover(caller, task.name))
        .map((task) => task.name);
      if (covered.length === 0) return { items: [], nextCursor: null };
      qb.andWhere('e.task_name IN (:...covered)', { covered });
    }
    return readKeysetPage(qb, EXECUTION_KEYS, { ...page, order: 'asc' });
  }

  private async castVote(
    manager: EntityManager,
    caller: Caller,
    id: string,
    decision: VoteDecision,
    comment: string | null,
  ): Promise<{ execution: Execution; changed: boolean }> {
    const query = manager.getRepository(Execution).createQueryBuilder('e').where('e.id = :id', { id });
    if (this.config.isPostgres) query.setLock('pessimistic_write');
    const execution = await query.getOne();
    if (!execution) throw new NotFoundError(`execution ${id} not found`); // deleted since it was read
    const votes = (execution.approval?.votes ?? []) as RecordedVote[];
    if (votes.some((vote) => vote.principal_id === caller.principal.id)) throw alreadyVoted();
    if (execution.status !== 'awaiting_approval')
      throw new ConflictError(`execution ${id} is ${execution.status}, no longer awaiting approval`);
    const now = new Date();
    if (execution.approvalDeadline && execution.approvalDeadline <= now) {
      throw new ConflictError(`the approval deadline of execution ${id} passed at ${execution.approvalDeadline.toISOString()}`);
    }
    const requirements = execution.approval!.requirements;
    const vote: RecordedVote = {
      principal_id: caller.principal.id,
      name: caller.principal.name,
      decision,
      comment,
      at: now.toISOString(),
      groups: [...new Set(requirements.map((requirement) => requirement.group).filter((group) => caller.groups.includes(group)))],
    };
    try {
      await manager.insert(ExecutionVote, {
        id: randomUUID(),
        executionId: id,
        principalId: vote.principal_id,
        principalName: vote.name.slice(0, 100),
        decision,
        comment,
        createdAt: now,
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw alreadyVoted();
      throw error;
    }
    const outcome = tally(requirements, [...votes, vote]);
    const fields: Partial<Execution> = { approval: { requirements, votes: [...votes, vote] }, updatedAt: now };
    if (outcome.outcome === 'approved') fields.status = 'pending';
    if (outcome.outcome === 'rejected') {
      Object.assign(fields, { status: 'cancelled', completedAt: now, message: rejectionMessage(outcome.by) });
    }
    const written = await manager
      .createQueryBuilder()
      .update(Execution)
      .set(fields)
      .where('id = :id AND status = :status', { id, status: 'awaiting_approval' })
      .execute();
    if (!written.affected) throw new ConflictError(`execution ${id} changed while the vote was cast; read it and try again`);
    return { execution: (await manager.findOneBy(Execution, { id }))!, changed: fields.status !== undefined };
  }
}

const EXECUTION_KEYS: KeysetColumns<Execution> = { time: 'e.created_at', id: 'e.id', timeOf: (row) => row.createdAt };

/** `text` matched literally by LIKE … ESCAPE '\\'. */
function likeEscaped(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

function alreadyVoted(): PermissionDeniedError {
  return new PermissionDeniedError('you have already voted on this execution');
}

function rejectionMessage(vote: RecordedVote): string {
  return `rejected by ${vote.name}${vote.comment ? `: ${vote.comment}` : ''}`;
}
