import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, Repository, SelectQueryBuilder } from 'typeorm';
import { NotFoundError, PermissionDeniedError } from '../common/domain-errors';
import { AbilityFactory } from '../permissions/ability.factory';
import { Caller } from '../permissions/caller';
import { ListExecutionsQuery } from './dto/list-executions.query';
import { Execution } from './execution.entity';
import { decodeCursor, encodeCursor } from '../common/keyset-cursor';
import { DEFAULT_PAGE_SIZE } from '../common/keyset-page.query';
import { EXECUTION_STATUSES, ExecutionStatus } from './execution-status';
import { applyVisibility } from './visibility';

export interface ExecutionPage {
  items: Execution[];
  nextCursor: string | null;
}

export type ExecutionStatistics = Record<ExecutionStatus | 'total', number>;


/** Reads over many executions. Visibility is always part of the SQL, never a filter afterwards. */
@Injectable()
export class ExecutionsQueryService {
  constructor(
    @InjectRepository(Execution) private readonly executions: Repository<Execution>,
    private readonly abilities: AbilityFactory,
  ) {}

  /** Keyset paging on (created_at, id): stable while rows are inserted, no duplicates, no gaps. */
  async list(caller: Caller, query: ListExecutionsQuery): Promise<ExecutionPage> {
    if (query.owner !== undefined && !caller.isAdmin) throw new PermissionDeniedError('only admins may filter by owner');
    const order = query.order ?? 'desc';
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const qb = this.visible(caller);
    if (!qb) return { items: [], nextCursor: null };
    if (query.status) qb.andWhere('e.status IN (:...statuses)', { statuses: query.status });
    if (query.task_name) qb.andWhere('e.task_name = :taskName', { taskName: query.task_name });
    if (query.resource) qb.andWhere('e.resource = :resource', { resource: query.resource });
    if (query.owner) qb.andWhere('e.owner_id = :owner', { owner: query.owner });
    if (query.retried_from) qb.andWhere('e.retried_from = :retriedFrom', { retriedFrom: query.retried_from });
    if (query.created_after) qb.andWhere('e.created_at > :after', { after: new Date(query.created_after) });
    if (query.created_before) qb.andWhere('e.created_at < :before', { before: new Date(query.created_before) });
    if (query.cursor) {
      const position = decodeCursor(query.cursor, order);
      const beyond = order === 'desc' ? '<' : '>';
      qb.andWhere(
        new Brackets((w) =>
          w
            .where(`e.created_at ${beyond} :cursorAt`, { cursorAt: position.createdAt })
            .orWhere(`e.created_at = :cursorAt AND e.id ${beyond} :cursorId`, { cursorId: position.id }),
        ),
      );
    }
    const direction = order === 'desc' ? 'DESC' : 'ASC';
    const rows = await qb.orderBy('e.created_at', direction).addOrderBy('e.id', direction).limit(limit + 1).getMany();
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    const nextCursor = rows.length > limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id, order }) : null;
    return { items, nextCursor };
  }

  /** Counts per status in one grouped query over what the caller may see. */
  async statistics(caller: Caller, taskName?: string): Promise<ExecutionStatistics> {
    const counts = Object.fromEntries([['total', 0], ...EXECUTION_STATUSES.map((status) => [status, 0])]) as ExecutionStatistics;
    const qb = this.visible(caller);
    if (!qb) return counts;
    if (taskName) qb.andWhere('e.task_name = :taskName', { taskName });
    const rows: Array<{ status: ExecutionStatus; count: string | number }> = await qb
      .select('e.status', 'status')
      .addSelect('COUNT(*)', 'count')
      .groupBy('e.status')
      .getRawMany();
    for (const row of rows) {
      counts[row.status] = Number(row.count);
      counts.total += Number(row.count);
    }
    return counts;
  }

  async latestForResource(caller: Caller, resource: string): Promise<Execution> {
    const qb = this.visible(caller);
    const latest = qb
      ? await qb.andWhere('e.resource = :resource', { resource }).orderBy('e.created_at', 'DESC').addOrderBy('e.id', 'DESC').getOne()
      : null;
    if (!latest) throw new NotFoundError(`no execution for resource "${resource}"`);
    return latest;
  }

  private visible(caller: Caller): SelectQueryBuilder<Execution> | null {
    const qb = this.executions.createQueryBuilder('e').where('1 = 1');
    return applyVisibility(qb, this.abilities.createForCaller(caller), 'e') ? qb : null;
  }
}
