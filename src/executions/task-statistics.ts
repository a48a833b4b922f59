import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository, SelectQueryBuilder } from 'typeorm';
import { isPostgres, queryRows } from '../database/raw-query';
import { AbilityFactory } from '../permissions/ability-factory';
import { Caller } from '../permissions/caller';
import { Execution } from './execution.entity';
import { COUNTED_STATUSES, CountedStatus, EXECUTION_STATUSES, TERMINAL_STATUSES } from './execution-status';
import { STATISTICS_WINDOWS, StatisticsWindow } from './statistics-window';
import { applyVisibility } from './visibility';

export interface Percentiles {
  p50: number | null;
  p95: number | null;
}

export interface TaskFigures {
  taskName: string;
  counts: Record<CountedStatus | 'total', number>;
  durationMs: Percentiles & { max: number | null };
  queueWaitMs: Percentiles;
}

export interface TaskStatisticsReport {
  windowStart: Date;
  windowEnd: Date;
  tasks: TaskFigures[];
}

const FINISHED = TERMINAL_STATUSES.map((status) => `'${status}'`).join(', ');

/** Milliseconds between creation and start, in each database's date arithmetic. */
const QUEUE_WAIT = {
  postgres: 'EXTRACT(EPOCH FROM (e.started_at - e.created_at)) * 1000',
  sqlite: '(julianday(e.started_at) - julianday(e.created_at)) * 86400000',
};

interface FigureRow {
  task_name: string;
  total: string | number;
  duration_max: string | number | null;
  d50: number | null;
  d95: number | null;
  w50: number | null;
  w95: number | null;
  [status: string]: string | number | null;
}

/**
 * Per task: counts by status, and the duration and queue-wait percentiles of the executions created
 * in a window, over what the caller may see. Percentiles are continuous (linear between the two
 * nearest ranks, PostgreSQL's `percentile_cont`), over finished executions only; SQLite, which has no
 * percentile aggregate, ranks the values with window functions and interpolates the same way.
 */
@Injectable()
export class TaskStatistics {
  constructor(
    @InjectRepository(Execution) private readonly executions: Repository<Execution>,
    private readonly abilities: AbilityFactory,
  ) {}

  async byTask(caller: Caller, window: StatisticsWindow, taskName?: string, now = new Date()): Promise<TaskStatisticsReport> {
    const windowStart = new Date(now.getTime() - STATISTICS_WINDOWS[window]);
    const report: TaskStatisticsReport = { windowStart, windowEnd: now, tasks: [] };
    const inWindow = this.inWindow(caller, windowStart, now, taskName);
    if (!inWindow) return report;

    report.tasks = (await this.figures(inWindow)).map((row) => ({
      taskName: row.task_name,
      counts: Object.fromEntries([
        ['total', Number(row.total)],
        // Awaiting approval counts as pending (SPEC 7.11).
        ...COUNTED_STATUSES.map((status) => [status, Number(row[status]) + (status === 'pending' ? Number(row.awaiting_approval) : 0)]),
      ]) as TaskFigures['counts'],
      durationMs: { p50: rounded(row.d50), p95: rounded(row.d95), max: rounded(row.duration_max) },
      queueWaitMs: { p50: rounded(row.w50), p95: rounded(row.w95) },
    }));
    return report;
  }

  /** The visible executions created in the window, or null when the caller may see none. */
  private inWindow(caller: Caller, start: Date, end: Date, taskName?: string): SelectQueryBuilder<Execution> | null {
    const qb = this.executions
      .createQueryBuilder('e')
      .where('e.created_at >= :windowStart AND e.created_at <= :windowEnd', { windowStart: start, windowEnd: end });
    if (!applyVisibility(qb, this.abilities.createForCaller(caller), 'e')) return null;
    if (taskName) qb.andWhere('e.task_name = :taskName', { taskName });
    return qb;
  }

  /**
   * One pass over the window's rows: counts by status, and the percentiles of the finished ones
   * (PostgreSQL's ordered-set aggregates with FILTER; on SQLite, the rows ranked per task by window
   * functions, then counted and interpolated in one GROUP BY).
   */
  private figures(qb: SelectQueryBuilder<Execution>): Promise<FigureRow[]> {
    const dataSource = this.executions.manager.connection;
    const counts = [
      'COUNT(*) AS total',
      ...EXECUTION_STATUSES.map((status) => `SUM(CASE WHEN status = '${status}' THEN 1 ELSE 0 END) AS ${status}`),
    ].join(', ');
    if (isPostgres(dataSource)) {
      const finished = `FILTER (WHERE e.status IN (${FINISHED}))`;
      const wait = QUEUE_WAIT.postgres;
      return qb
        .select('e.task_name', 'task_name')
        .addSelect(counts.replaceAll('status =', 'e.status ='))
        .addSelect(`MAX(e.duration_ms) ${finished}`, 'duration_max')
        .addSelect(`percentile_cont(0.5) WITHIN GROUP (ORDER BY e.duration_ms) ${finished}`, 'd50')
        .addSelect(`percentile_cont(0.95) WITHIN GROUP (ORDER BY e.duration_ms) ${finished}`, 'd95')
        .addSelect(`percentile_cont(0.5) WITHIN GROUP (ORDER BY ${wait}) ${finished}`, 'w50')
        .addSelect(`percentile_cont(0.95) WITHIN GROUP (ORDER BY ${wait}) ${finished}`, 'w95')
        .groupBy('e.task_name')
        .orderBy('e.task_name')
        .getRawMany<FigureRow>();
    }
    const [rows, parameters] = qb
      .select('e.task_name', 'task_name')
      .addSelect('e.status', 'status')
      .addSelect(`CASE WHEN e.status IN (${FINISHED}) THEN e.duration_ms END`, 'd')
      .addSelect(`CASE WHEN e.status IN (${FINISHED}) THEN ${QUEUE_WAIT.sqlite} END`, 'w')
      .getQueryAndParameters();
    const sql = `WITH f AS (${rows}), ranked AS (
        SELECT task_name, status, d, w,
          ROW_NUMBER() OVER (PARTITION BY task_name ORDER BY d IS NULL, d) - 1 AS d_rank, COUNT(d) OVER (PARTITION BY task_name) AS d_n,
          ROW_NUMBER() OVER (PARTITION BY task_name ORDER BY w IS NULL, w) - 1 AS w_rank, COUNT(w) OVER (PARTITION BY task_name) AS w_n
        FROM f)
      SELECT task_name, ${counts}, MAX(d) AS duration_max, ${interpolated('d', 0.5)} AS d50, ${interpolated('d', 0.95)} AS d95,
        ${interpolated('w', 0.5)} AS w50, ${interpolated('w', 0.95)} AS w95
      FROM ranked GROUP BY task_name ORDER BY task_name`;
    return queryRows<FigureRow>(dataSource, sql, parameters);
  }
}

/**
 * The p-th continuous percentile of `<v>` over ranked rows (`<v>_rank` from 0, `<v>_n` values):
 * the value at rank floor(p·(n−1)) weighted 1−f plus the next one weighted f, f the fraction.
 */
function interpolated(v: string, p: number): string {
  const position = `(${p} * (${v}_n - 1))`;
  const low = `CAST(${position} AS INTEGER)`;
  const fraction = `(${position} - ${low})`;
  return `SUM(CASE WHEN ${v}_rank = ${low} THEN ${v} * (1 - ${fraction}) WHEN ${v}_rank = ${low} + 1 THEN ${v} * ${fraction} END)`;
}

function rounded(value: string | number | null | undefined): number | null {
  return value === null || value === undefined ? null : Math.round(Number(value));
}
