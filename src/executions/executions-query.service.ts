import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository, SelectQueryBuilder } from 'typeorm';
import { InvalidInputError, NotFoundError, PermissionDeniedError } from '../common/domain-errors';
import { AbilityFactory } from '../permissions/ability-factory';
import { Caller } from '../permissions/caller';
import { ListExecutionsQuery, SortColumn } from './dto/list-executions.query';
import { Execution } from './execution.entity';
import { KeysetColumns, KeysetPage, readKeysetPage } from '../common/keyset-page';
import { DEFAULT_PAGE_SIZE } from '../common/keyset-page.query';
import { COUNTED_STATUSES, CountedStatus, countedAs, ExecutionStatus } from './execution-status';
import { StatisticsCache } from './statistics-cache';
import { StatisticsWindow } from './statistics-window';
import { TaskStatistics, TaskStatisticsReport } from './task-statistics';
import { applyVisibility } from './visibility';

/** What execution_counts is keyed by: the read rules may name only these (owner, task). */
const COUNTED_COLUMNS = ['ownerId', 'taskName'];

/** A keyset page, or a numbered one (`page`, or a sort other than by creation), which also says the total. */
export type ExecutionPage = KeysetPage<Execution> & { numbered?: { page: number; pageSize: number; total: number } };

/** The columns `sort_by` may name. */
const SORTED_BY: Record<SortColumn, string> = {
  created_at: 'e.created_at',
  started_at: 'e.started_at',
  completed_at: 'e.completed_at',
  duration_ms: 'e.duration_ms',
  status: 'e.status',
  task_name: 'e.task_name',
};

/** The sort columns without a value until an execution starts or finishes. */
const NULLABLE_SORTS = new Set<SortColumn>(['started_at', 'completed_at', 'duration_ms']);

/** What selects executions, in `GET /executions` and the bulk actions. */
export type ExecutionFilter = Pick<
  ListExecutionsQuery,
  'status' | 'task_name' | 'resource' | 'owner' | 'retried_from' | 'created_after' | 'created_before'
>;

const EXECUTION_KEYS: KeysetColumns<Execution> = { time: 'e.created_at', id: 'e.id', timeOf: (row) => row.createdAt };

/** Counts by the caller's words: awaiting approval counts as pending (SPEC 7.11). */
export type ExecutionStatistics = Record<CountedStatus | 'total', number>;

/** Reads over many executions. Visibility is always part of the SQL, never a filter afterwards. */
@Injectable()
export class ExecutionsQueryService {
  constructor(
    @InjectRepository(Execution) private readonly executions: Repository<Execution>,
    private readonly abilities: AbilityFactory,
    private readonly statisticsCache: StatisticsCache<ExecutionStatistics | TaskStatisticsReport>,
    private readonly taskStatistics: TaskStatistics,
  ) {}

  /**
   * Keyset paging on (created_at, id): stable while rows are inserted, no duplicates, no gaps. Or
   * numbered pages (OFFSET) in any `sort_by` order, ties broken by id, NULLs last, with the total:
   * what the seed APIs offered, and as slow as OFFSET is deep into a large table.
   */
  async list(caller: Caller, query: ListExecutionsQuery): Promise<ExecutionPage> {
    const qb = this.matching(caller, query);
    const numbered = numberedPage(query);
    if (!qb) return { items: [], nextCursor: null, ...(numbered && { numbered: { ...numbered, total: 0 } }) };
    if (numbered) return this.readNumberedPage(qb, numbered, query.sort_by ?? 'created_at', query.order ?? 'desc');
    return readKeysetPage(qb, EXECUTION_KEYS, {
      limit: query.limit ?? DEFAULT_PAGE_SIZE,
      cursor: query.cursor,
      order: query.order ?? 'desc',
    });
  }

  private async readNumberedPage(
    qb: SelectQueryBuilder<Execution>,
    { page, pageSize }: { page: number; pageSize: number },
    sortBy: SortColumn,
    order: 'asc' | 'desc',
  ): Promise<ExecutionPage> {
    const [total, items] = await Promise.all([
      qb.clone().getCount(),
      sorted(qb, sortBy, order)
        .offset((page - 1) * pageSize)
        .limit(pageSize)
        .getMany(),
    ]);
    return { items, nextCursor: null, numbered: { page, pageSize, total } };
  }

  /** `limit` visible executions matching `filter`, newest first, after skipping `offset` (skip/limit paging). */
  async slice(caller: Caller, filter: ExecutionFilter, offset: number, limit: number): Promise<Execution[]> {
    const qb = this.matching(caller, filter);
    return qb ? sorted(qb, 'created_at', 'desc').offset(offset).limit(limit).getMany() : [];
  }

  /**
   * Counts per status over what the caller may see, read from `execution_counts` (kept by triggers
   * on every write of `executions`: a few rows per owner and task, whatever the number of
   * executions); cached for STATISTICS_CACHE_MS per view (the caller's read rules) and filter.
   */
  statistics(caller: Caller, taskName?: string): Promise<ExecutionStatistics> {
    return this.statisticsCache.get(`counts|${this.view(caller)}|${taskName ?? ''}`, () => this.countByStatus(caller, taskName));
  }

  /** Per-task counts and percentiles over a window (see TaskStatistics), cached like the counts. */
  statisticsByTask(caller: Caller, window: StatisticsWindow, taskName?: string): Promise<TaskStatisticsReport> {
    return this.statisticsCache.get(`tasks|${this.view(caller)}|${window}|${taskName ?? ''}`, () =>
      this.taskStatistics.byTask(caller, window, taskName),
    );
  }

  /** The caller's read rules: callers with the same rules share cached figures. */
  private view(caller: Caller): string {
    return JSON.stringify(this.abilities.createForCaller(caller).rulesFor('read', Execution));
  }

  private async countByStatus(caller: Caller, taskName?: string): Promise<ExecutionStatistics> {
    const counts = Object.fromEntries([['total', 0], ...COUNTED_STATUSES.map((status) => [status, 0])]) as ExecutionStatistics;
    const qb = this.executions.manager.createQueryBuilder().from('execution_counts', 'e').where('1 = 1');
    if (!applyVisibility(qb, this.abilities.createForCaller(caller), 'e', COUNTED_COLUMNS)) return counts;
    if (taskName) qb.andWhere('e.task_name = :taskName', { taskName });
    const rows: Array<{ status: ExecutionStatus; count: string | number }> = await qb
      .select('e.status', 'status')
      .addSelect('SUM(e.count)', 'count')
      .groupBy('e.status')
      .getRawMany();
    for (const row of rows) {
      counts[countedAs(row.status)] += Number(row.count);
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
   * The visible executions that match `filter` (as `GET /executions` filters them; `owner` other
   * than the caller is for admins only: 403 otherwise), as a query to refine; null when the caller may see none.
   */
  matching(caller: Caller, filter: ExecutionFilter): SelectQueryBuilder<Execution> | null {
    if (filter.owner !== undefined && !caller.isAdmin && filter.owner !== caller.principal.id)
      throw new PermissionDeniedError('only admins may filter by another owner');
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

/** Ordered by `sortBy`, ties broken by id. */
function sorted(qb: SelectQueryBuilder<Execution>, sortBy: SortColumn, order: 'asc' | 'desc'): SelectQueryBuilder<Execution> {
  const direction = order === 'desc' ? 'DESC' : 'ASC';
  // Only the columns that may be NULL say where NULLs go: on the others a bare ORDER BY keeps the
  // (…, created_at, id) indexes usable (PostgreSQL's DESC puts NULLs first, so NULLS LAST would defeat them).
  return qb.orderBy(SORTED_BY[sortBy], direction, NULLABLE_SORTS.has(sortBy) ? 'NULLS LAST' : undefined).addOrderBy('e.id', direction);
}

/** The numbered page asked for, if any; mixing it with the keyset cursor is refused. */
function numberedPage(query: ListExecutionsQuery): { page: number; pageSize: number } | null {
  const sorted = query.sort_by !== undefined && query.sort_by !== 'created_at';
  const numbered = query.page !== undefined || query.page_size !== undefined || sorted;
  if (query.cursor !== undefined && sorted) {
    throw new InvalidInputError([`a cursor pages only with sort_by=created_at: use page and page_size with sort_by=${query.sort_by}`]);
  }
  if (query.cursor !== undefined && numbered)
    throw new InvalidInputError(['cursor and page/page_size cannot be combined: use one or the other']);
  if (!numbered) return null;
  if (query.page !== undefined && query.limit !== undefined) throw new InvalidInputError(['numbered pages take page_size, not limit']);
  return { page: query.page ?? 1, pageSize: query.page_size ?? query.limit ?? DEFAULT_PAGE_SIZE };
}
