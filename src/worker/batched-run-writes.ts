import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { isPostgres, queryRows } from '../database/raw-query';
import { sqliteConnection } from '../database/sqlite-connection';
import { hydrateRow } from '../database/update-returning';
import { Execution } from '../executions/execution.entity';
import { TAKEOVER_ALLOWED_SQL } from '../executions/takeover-rule';

export interface Claim {
  id: string;
  /** Attempts the record should count once this start is one of them (see ExecutionRunner.run). */
  jobStarts: number;
  now: Date;
}

export interface Completion {
  id: string;
  /** The attempt the run belongs to: the fence, as in every write after the claim. */
  attempts: number;
  result: unknown;
  now: Date;
  durationMs: number;
}

/**
 * Which records a claim may move to running: pending, or running and taken over (see
 * ExecutionRecorder.claim). `alias`: the table's prefix (`e.` or none); `jobStarts`: the SQL for the
 * job's start count (a column or a parameter). The batched and the single-row claim both use it.
 */
export const claimableSql = (alias: string, jobStarts: string) =>
  `(${alias}status = 'pending' OR (${alias}status = 'running' AND ${alias}job_id IS NOT NULL AND ${alias}attempts < ${jobStarts} AND ${TAKEOVER_ALLOWED_SQL}))`;

const PG_CLAIM = `
UPDATE executions AS e
SET status = 'running', attempts = e.attempts + 1, started_at = c.now, completed_at = NULL, duration_ms = NULL, updated_at = c.now
FROM unnest($1::uuid[], $2::int[], $3::timestamptz[]) AS c(id, job_starts, now)
WHERE e.id = c.id AND ${claimableSql('e.', 'c.job_starts')}
RETURNING e.*`;

const PG_COMPLETE = `
UPDATE executions AS e
SET status = 'completed', result = c.result, progress = 100, error = NULL, traceback = NULL,
    completed_at = c.now, duration_ms = c.duration_ms, updated_at = c.now
FROM unnest($1::uuid[], $2::int[], $3::text[], $4::timestamptz[], $5::int[]) AS c(id, attempts, result, now, duration_ms)
WHERE e.id = c.id AND e.attempts = c.attempts AND e.status = 'running'
RETURNING e.id`;

const SQLITE_CLAIM = `
UPDATE executions
SET status = 'running', attempts = attempts + 1, started_at = ?, completed_at = NULL, duration_ms = NULL, updated_at = ?
WHERE id = ? AND ${claimableSql('', '?')}
RETURNING *`;

const SQLITE_COMPLETE = `
UPDATE executions
SET status = 'completed', result = ?, progress = 100, error = NULL, traceback = NULL, completed_at = ?, duration_ms = ?, updated_at = ?
WHERE id = ? AND attempts = ? AND status = 'running'`;

/**
 * The worker's two commonest writes for many runs at once: on PostgreSQL one `UPDATE … FROM
 * unnest(…)` per batch, on SQLite one prepared statement run per row inside one transaction.
 * The conditions are those of the single-row writes in ExecutionRecorder, row by row.
 */
@Injectable()
export class BatchedRunWrites {
  constructor(@InjectRepository(Execution) private readonly executions: Repository<Execution>) {}

  /** The claimed record for each claim, in order; null where the record was not there to claim. */
  async claimMany(claims: Claim[]): Promise<Array<Execution | null>> {
    const rows = isPostgres(this.dataSource) ? await this.claimOnPostgres(claims) : this.claimOnSqlite(claims);
    const byId = new Map(rows.map((row) => [row.id as string, row]));
    return claims.map((claim) => {
      const row = byId.get(claim.id);
      byId.delete(claim.id); // the same record claimed twice in one batch: only the first is its run
      return row ? hydrateRow(this.executions, row) : null;
    });
  }

  /** Whether each completion was written (false: the run no longer owns the record). */
  async completeMany(completions: Completion[]): Promise<boolean[]> {
    if (isPostgres(this.dataSource)) {
      const written = await queryRows<{ id: string }>(this.dataSource, PG_COMPLETE, [
        completions.map((completion) => completion.id),
        completions.map((completion) => completion.attempts),
        completions.map((completion) => this.toDatabase('result', completion.result)),
        completions.map((completion) => completion.now),
        completions.map((completion) => completion.durationMs),
      ]);
      const ids = new Set(written.map((row) => row.id));
      return completions.map((completion) => ids.has(completion.id));
    }
    const sqlite = sqliteConnection(this.dataSource);
    const complete = sqlite.statement(SQLITE_COMPLETE);
    return sqlite.transaction(() =>
      completions.map((completion) => {
        const now = this.toDatabase('completedAt', completion.now);
        const result = this.toDatabase('result', completion.result);
        return complete.run(result, now, completion.durationMs, now, completion.id, completion.attempts).changes === 1;
      }),
    );
  }

  private claimOnPostgres(claims: Claim[]): Promise<Array<Record<string, unknown>>> {
    return queryRows(this.dataSource, PG_CLAIM, [
      claims.map((claim) => claim.id),
      claims.map((claim) => claim.jobStarts),
      claims.map((claim) => claim.now),
    ]);
  }

  private claimOnSqlite(claims: Claim[]): Array<Record<string, unknown>> {
    const sqlite = sqliteConnection(this.dataSource);
    const claim = sqlite.statement(SQLITE_CLAIM);
    return sqlite.transaction(() =>
      claims.flatMap((candidate): Array<Record<string, unknown>> => {
        const now = this.toDatabase('startedAt', candidate.now);
        const row = claim.get(now, now, candidate.id, candidate.jobStarts);
        return row ? [row] : [];
      }),
    );
  }

  private get dataSource() {
    return this.executions.manager.connection;
  }

  /** A value as TypeORM would store it in the property's column (dates as SQLite text, JSON as text). */
  private toDatabase(property: keyof Execution, value: unknown): unknown {
    const column = this.executions.metadata.findColumnWithPropertyName(property)!;
    return this.dataSource.driver.preparePersistentValue(value, column);
  }
}
