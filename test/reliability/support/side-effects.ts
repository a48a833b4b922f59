import { DataSource } from 'typeorm';

/**
 * `rel_side_effects`: one row per handler run that got as far as its side effect. It is written
 * by the handler itself, not by the gateway, so it counts runs the execution record cannot show.
 */
export const SIDE_EFFECTS_TABLE = 'rel_side_effects';

export interface SideEffect {
  executionId: string;
  attempt: number;
  pid: number;
}

/** Creates the table when missing; the same SQL serves SQLite and PostgreSQL. */
export async function ensureSideEffectTable(dataSource: DataSource): Promise<void> {
  try {
    await dataSource.query(
      `CREATE TABLE IF NOT EXISTS ${SIDE_EFFECTS_TABLE} (execution_id varchar(36) NOT NULL, attempt integer NOT NULL, pid integer NOT NULL)`,
    );
  } catch (error) {
    // PostgreSQL's IF NOT EXISTS can still lose a race between processes; the table is there then.
    await dataSource.query(`SELECT 1 FROM ${SIDE_EFFECTS_TABLE} WHERE 1 = 0`).catch(() => {
      throw error;
    });
  }
}

export async function recordSideEffect(dataSource: DataSource, effect: SideEffect): Promise<void> {
  await dataSource.query(`INSERT INTO ${SIDE_EFFECTS_TABLE} (execution_id, attempt, pid) VALUES (${placeholders(dataSource, 3)})`, [
    effect.executionId,
    effect.attempt,
    effect.pid,
  ]);
}

/** The side effects of the given executions, in chunks so no query has too many parameters. */
export async function readSideEffects(dataSource: DataSource, executionIds: string[]): Promise<SideEffect[]> {
  const effects: SideEffect[] = [];
  for (let start = 0; start < executionIds.length; start += 500) {
    const chunk = executionIds.slice(start, start + 500);
    const rows: Array<{ execution_id: string; attempt: number | string; pid: number | string }> = await dataSource.query(
      `SELECT execution_id, attempt, pid FROM ${SIDE_EFFECTS_TABLE} WHERE execution_id IN (${placeholders(dataSource, chunk.length)})`,
      chunk,
    );
    effects.push(...rows.map((row) => ({ executionId: row.execution_id, attempt: Number(row.attempt), pid: Number(row.pid) })));
  }
  return effects;
}

/** `$1, $2, …` on PostgreSQL, `?, ?, …` on SQLite. */
export function placeholders(dataSource: DataSource, count: number): string {
  const postgres = dataSource.options.type === 'postgres';
  return Array.from({ length: count }, (_unused, i) => (postgres ? `$${i + 1}` : '?')).join(', ');
}
