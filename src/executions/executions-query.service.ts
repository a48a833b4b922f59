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
    if (query.owner !== undefined && !caller.isAdmin) throw new PermissionDeniedError('only admins may filter by owner');
    const qb = this.visible(caller);
    if (!qb) return { items: [], nextCursor: null };
    if (query.status) qb.andWhere('e.status IN (:...statuses)', { statuses: query.status });
    if (query.task_name) qb.andWhere('e.task_name = :taskName', { taskName: query.task_name });
    if (query.resource) qb.andWhere('e.resource = :resource', { resource: query.resource });
    if (query.owner) qb.andWhere('e.owner_id = :owner', { owner: query.owner });
    if (query.retried_from) qb.andWhere('e.retried_from = :retriedFrom', { retriedFrom: query.retried_from });
    if (query.created_after) qb.andWhere('e.created_at > :after', { after: new Date(query.created_after) });
    if (query.created_before) qb.andWhere('e.created_at < :before', { before: new Date(query.created_before) });
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

  private visible(caller: Caller): SelectQueryBuilder<Execution> | null {
    const qb = this.executions.createQueryBuilder('e').where('1 = 1');
    return applyVisibility(qb, this.abilities.createForCaller(caller), 'e') ? qb : null;
  }
}
