import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository, SelectQueryBuilder } from 'typeorm';
import { NotFoundError, PermissionDeniedError } from '../common/domain-errors';
import { AbilityFactory } from '../permissions/ability-factory';
import { Caller } from '../permissions/caller';
import { ListExecutionsQuery } from './dto/list-executions.query';
import { Execution } from './execution.entity';
import { KeysetColumns, KeysetPage, readKeysetPage } from '../common/keyset-page';
import { DEFAULT_PAGE_SIZE } from '../common/keyset-page.query';
import { EXECUTION_STATUSES, ExecutionStatus } from './execution-status';
import { StatisticsCache } from './statistics-cache';
import { applyVisibility } from './visibility';

/** What execution_counts is keyed by: the read rules may name only these (owner, task). */
const COUNTED_COLUMNS = ['ownerId', 'taskName'];

export type ExecutionPage = KeysetPage<Execution>;

/** What selects executions, in `GET /executions` and the bulk actions. */
export type ExecutionFilter = Pick<
  ListExecutionsQuery,
  'status' | 'task_name' | 'resource' | 'owner' | 'retried_from' | 'created_after' | 'created_before'
>;

const EXECUTION_KEYS: KeysetColumns<Execution> = { time: 'e.created_at', id: 'e.id', timeOf: (row) => row.createdAt };

export type ExecutionStatistics = Record<ExecutionStatus | 'total', number>;

/** Reads over many executions. Visibility is always part of the SQL, never a filter afterwards. */
@Injectable()
export class ExecutionsQueryService {
  constructor(
    @InjectRepository(Execution) private readonly executions: Repository<Execution>,
    private readonly abilities: AbilityFactory,
    private readonly statisticsCache: StatisticsCache<ExecutionStatistics>,
  ) {}

  /** Keyset paging on (created_at, id): stable while rows are inserted, no duplicates, no gaps. */
  async list(caller: Caller, query: ListExecutionsQuery): Promise<ExecutionPage> {
    const qb = this.matching(caller, query);
    if (!qb) return { items: [], nextCursor: null };
    return readKeysetPage(qb, EXECUTION_KEYS, {
      limit: query.limit ?? DEFAULT_PAGE_SIZE,
      cursor: query.cursor,
      order: query.order ?? 'desc',
    });
  }

  /**
   * Counts per status over what the caller may see, read from `execution_counts` (kept by triggers
   * on every write of `executions`: a few rows per owner and task, whatever the number of
   * executions); cached for STATISTICS_CACHE_MS per view (the caller's read rules) and filter.
   */
  statistics(caller: Caller, taskName?: string): Promise<ExecutionStatistics> {
    const view = JSON.stringify(this.abilities.createForCaller(caller).rulesFor('read', Execution));
    return this.statisticsCache.get(`${view}|${taskName ?? ''}`, () => this.countByStatus(caller, taskName));
  }

  private async countByStatus(caller: Caller, taskName?: string): Promise<ExecutionStatistics> {
    const counts = Object.fromEntries([['total', 0], ...EXECUTION_STATUSES.map((status) => [status, 0])]) as ExecutionStatistics;
    const qb = this.executions.manager.createQueryBuilder().from('execution_counts', 'e').where('1 = 1');
    if (!applyVisibility(qb, this.abilities.createForCaller(caller), 'e', COUNTED_COLUMNS)) return counts;
    if (taskName) qb.andWhere('e.task_name = :taskName', { taskName });
    const rows: Array<{ status: ExecutionStatus; count: string | number }> = await qb
      .select('e.status', 'status')
      .addSelect('SUM(e.count)', 'count')
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

  /**
   * The visible executions that match `filter` (as `GET /executions` filters them; `owner` is for
   * admins only: 403 otherwise), as a query to refine; null when the caller may see none.
   */
  matching(caller: Caller, filter: ExecutionFilter): SelectQueryBuilder<Execution> | null {
    if (filter.owner !== undefined && !caller.isAdmin) throw new PermissionDeniedError('only admins may filter by owner');
    const qb = this.visible(caller);
    if (!qb) return null;
    if (filter.status) qb.andWhere('e.status IN (:...statuses)', { statuses: filter.status });
    if (filter.task_name) qb.andWhere('e.task_name = :taskName', { taskName: filter.task_name });
    if (filter.resource) qb.andWhere('e.resource = :resource', { resource: filter.resource });
    if (filter.owner) qb.andWhere('e.owner_id = :owner', { owner: filter.owner });
    if (filter.retried_from) qb.andWhere('e.retried_from = :retriedFrom', { retriedFrom: filter.retried_from });
    if (filter.created_after) qb.andWhere('e.created_at > :after', { after: new Date(filter.created_after) });
    if (filter.created_before) qb.andWhere('e.created_at < :before', { before: new Date(filter.created_before) });
    return qb;
  }

  private visible(caller: Caller): SelectQueryBuilder<Execution> | null {
    const qb = this.executions.createQueryBuilder('e').where('1 = 1');
    return applyVisibility(qb, this.abilities.createForCaller(caller), 'e') ? qb : null;
  }
}
