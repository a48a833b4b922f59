import { DataSource, In } from 'typeorm';
import { Execution } from '../../../src/executions/execution.entity';
import { isTerminal } from '../../../src/executions/execution-status';
import { pollUntil, PollTimeoutError } from '../../support/wait-for';
import { readSideEffects } from './side-effects';

/** The records of `ids` that exist, read straight from the database (chunked: SQLite caps parameters). */
export async function readRecords(db: DataSource, ids: string[]): Promise<Execution[]> {
  const records: Execution[] = [];
  for (let start = 0; start < ids.length; start += 500) {
    records.push(...(await db.getRepository(Execution).findBy({ id: In(ids.slice(start, start + 500)) })));
  }
  return records;
}

/**
 * Polls until every record of `ids` is terminal, or `timeoutMs` passed; returns what it read last
 * either way, so a spec can count what was lost rather than only time out.
 */
export async function readWhenSettled(db: DataSource, ids: string[], timeoutMs: number): Promise<Execution[]> {
  const settled = (records: Execution[]) => records.length === ids.length && records.every((record) => isTerminal(record.status));
  return pollUntil(() => readRecords(db, ids), settled, { timeoutMs, intervalMs: 500 }).catch((error: unknown) => {
    if (error instanceof PollTimeoutError) return error.last as Execution[];
    throw error;
  });
}

/** Polls until `done` holds for the records of `ids`; throws with what it saw last. */
export async function waitForRecords(
  db: DataSource,
  ids: string[],
  done: (records: Execution[]) => boolean,
  timeoutMs = 60_000,
): Promise<Execution[]> {
  const reached = (records: Execution[]) => records.length === ids.length && done(records);
  return pollUntil(() => readRecords(db, ids), reached, { timeoutMs, intervalMs: 200 }).catch((error: unknown) => {
    if (!(error instanceof PollTimeoutError)) throw error;
    const last = (error.last as Execution[]).map(brief);
    throw new Error(`records did not reach the expected state in ${timeoutMs} ms; last seen: ${JSON.stringify(last)}`);
  });
}

export interface ScenarioCounts {
  sent: number;
  completed: number;
  failed: number;
  /** Accepted (202) but, at the end, with no record or a record that never settled. */
  lost: number;
  /** Executions whose handler got to its side effect more than once. */
  ranTwice: number;
}

/** Counts the outcome of a scenario and prints the line docs/reliability.md quotes. */
export async function reportScenario(db: DataSource, name: string, sent: number, accepted: string[]): Promise<ScenarioCounts> {
  const records = await readRecords(db, accepted);
  const runs = new Map<string, number>();
  for (const effect of await readSideEffects(db, accepted)) runs.set(effect.executionId, (runs.get(effect.executionId) ?? 0) + 1);
  const counts: ScenarioCounts = {
    sent,
    completed: records.filter((record) => record.status === 'completed').length,
    failed: records.filter((record) => record.status === 'failed').length,
    lost: accepted.length - records.filter((record) => isTerminal(record.status)).length,
    ranTwice: [...runs.values()].filter((count) => count > 1).length,
  };
  console.log(
    `scenario ${name}: sent ${counts.sent}, completed ${counts.completed}, failed ${counts.failed}, lost ${counts.lost}, ran twice ${counts.ranTwice}`,
  );
  return counts;
}

/** What a failure message needs of a record. */
export function brief(record: Execution): Record<string, unknown> {
  return { id: record.id, task: record.taskName, status: record.status, attempts: record.attempts, error: record.error };
}
