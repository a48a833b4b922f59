import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { pollUntil, PollTimeoutError } from '../test/support/wait-for';
import type { DatabaseKind } from './options';

// better-sqlite3 ships no types; this is all the bench uses of it.
interface SqliteStatement {
  run(...values: unknown[]): unknown;
  get(...values: unknown[]): Record<string, unknown> | undefined;
  all(...values: unknown[]): Array<Record<string, unknown>>;
}
interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  transaction(body: () => void): () => void;
  close(): void;
}
const Sqlite: new (path: string, options?: { readonly?: boolean; timeout?: number }) => SqliteDatabase = require('better-sqlite3'); // eslint-disable-line @typescript-eslint/no-require-imports -- a typed constructor without @types/better-sqlite3

const SEED_TASKS = ['bench.report', 'bench.export', 'bench.sync'];

/** Where a seeded row lies in a caller's newest-first list. */
export interface RowPosition {
  createdAt: Date;
  id: string;
}

/**
 * The bench's own database of one kind (a new SQLite file, or a new PostgreSQL database on the
 * server), read and seeded directly, never through the API.
 */
export abstract class BenchDatabase {
  protected constructor(
    readonly kind: DatabaseKind,
    readonly url: string,
  ) {}

  static async create(kind: DatabaseKind, pgServerUrl: string): Promise<BenchDatabase> {
    return kind === 'sqlite' ? SqliteBenchDatabase.open() : PostgresBenchDatabase.open(pgServerUrl);
  }

  abstract principalId(name: string): Promise<string>;
  /** Executions of `ownerId` in each status. */
  abstract countByStatus(ownerId: string): Promise<Record<string, number>>;
  /** Executions of `ownerId` still pending or running: an index range, cheap enough to poll. */
  abstract countUnsettled(ownerId: string): Promise<number>;
  /** `rows` finished records, created one second apart going back from now, owners taking turns. */
  abstract seed(rows: number, owners: string[]): Promise<void>;
  /** The row at `offset` in `ownerId`'s newest-first list. */
  abstract rowAt(ownerId: string, offset: number): Promise<RowPosition>;
  /** The plan of the newest-first page query for `ownerId`, after `position`. */
  abstract explainPage(ownerId: string, position: RowPosition): Promise<string>;
  abstract drop(): Promise<void>;

  /**
   * Polls until none of `ownerId`'s executions is pending or running (every accepted one has its
   * record before its 202), then checks that `expected` completed. Polling is kept light: it shares
   * the machine with what it measures.
   */
  async waitForCompleted(ownerId: string, expected: number, timeoutMs: number): Promise<void> {
    await pollUntil(
      () => this.countUnsettled(ownerId),
      (unsettled) => unsettled === 0,
      { timeoutMs, intervalMs: 25 },
    ).catch(async (error: unknown) => {
      if (!(error instanceof PollTimeoutError)) throw error;
      throw new Error(`executions did not settle in ${timeoutMs} ms: ${JSON.stringify(await this.countByStatus(ownerId))}`);
    });
    const counts = await this.countByStatus(ownerId);
    if ((counts.completed ?? 0) < expected) throw new Error(`expected ${expected} completed executions, found ${JSON.stringify(counts)}`);
  }
}

class SqliteBenchDatabase extends BenchDatabase {
  private reader?: SqliteDatabase;

  private constructor(private readonly dir: string) {
    super('sqlite', `sqlite:${join(dir, 'bench.sqlite')}`);
  }

  static async open(): Promise<BenchDatabase> {
    return new SqliteBenchDatabase(mkdtempSync(join(tmpdir(), 'taskgate-bench-')));
  }

  private get db(): SqliteDatabase {
    this.reader ??= new Sqlite(this.url.slice('sqlite:'.length), { timeout: 10_000 });
    return this.reader;
  }

  async principalId(name: string): Promise<string> {
    return String(this.db.prepare('SELECT id FROM principals WHERE name = ?').get(name)?.id);
  }

  async countByStatus(ownerId: string): Promise<Record<string, number>> {
    const rows = this.db.prepare('SELECT status, COUNT(*) AS n FROM executions WHERE owner_id = ? GROUP BY status').all(ownerId);
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
  }

  async countUnsettled(ownerId: string): Promise<number> {
    return Number(
      this.db.prepare("SELECT COUNT(*) AS n FROM executions WHERE owner_id = ? AND status IN ('pending', 'running')").get(ownerId)?.n,
    );
  }

  async seed(rows: number, owners: string[]): Promise<void> {
    const insert = this.db.prepare(
      `INSERT INTO executions (id, task_name, status, args, kwargs, result, progress, owner_id, job_id, attempts, max_attempts, priority, queue,
         created_at, started_at, completed_at, updated_at, duration_ms)
       VALUES (?, ?, ?, '[]', '{"a":1,"b":2}', ?, 100, ?, ?, 1, 1, 50, 'default', ?, ?, ?, ?, ?)`,
    );
    const now = Date.now();
    const batch = 10_000;
    for (let start = 0; start < rows; start += batch) {
      this.db.transaction(() => {
        for (let i = start; i < Math.min(rows, start + batch); i++) {
          const id = randomUUID();
          const at = sqliteTime(new Date(now - (i + 1) * 1000));
          const status = seededStatus(i);
          insert.run(
            id,
            SEED_TASKS[i % 3],
            status,
            status === 'completed' ? '{"ok":true}' : null,
            owners[i % owners.length],
            id,
            at,
            at,
            at,
            at,
            seededDuration(i),
          );
        }
      })();
    }
  }

  async rowAt(ownerId: string, offset: number): Promise<RowPosition> {
    const row = this.db
      .prepare('SELECT id, created_at FROM executions WHERE owner_id = ? ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET ?')
      .get(ownerId, offset);
    if (!row) throw new Error(`no row at offset ${offset}`);
    return { id: String(row.id), createdAt: new Date(`${String(row.created_at).replace(' ', 'T')}Z`) };
  }

  async explainPage(ownerId: string, position: RowPosition): Promise<string> {
    const plan = this.db.prepare(`EXPLAIN QUERY PLAN ${pageSql('?', '?', '?')}`).all(ownerId, sqliteTime(position.createdAt), position.id);
    return plan.map((row) => String(row.detail)).join('\n');
  }

  async drop(): Promise<void> {
    this.reader?.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

class PostgresBenchDatabase extends BenchDatabase {
  private constructor(
    url: string,
    private readonly serverUrl: string,
    private readonly name: string,
    private readonly client: Client,
  ) {
    super('postgres', url);
  }

  static async open(serverUrl: string): Promise<BenchDatabase> {
    const name = `taskgate_bench_${randomBytes(4).toString('hex')}`;
    await withClient(serverUrl, (admin) => admin.query(`CREATE DATABASE ${name}`));
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    const client = new Client({ connectionString: url.toString() });
    await client.connect();
    return new PostgresBenchDatabase(url.toString(), serverUrl, name, client);
  }

  async principalId(name: string): Promise<string> {
    const { rows } = await this.client.query('SELECT id FROM principals WHERE name = $1', [name]);
    return rows[0].id;
  }

  async countByStatus(ownerId: string): Promise<Record<string, number>> {
    const { rows } = await this.client.query('SELECT status, COUNT(*) AS n FROM executions WHERE owner_id = $1 GROUP BY status', [ownerId]);
    return Object.fromEntries(rows.map((row: { status: string; n: string }) => [row.status, Number(row.n)]));
  }

  async countUnsettled(ownerId: string): Promise<number> {
    const { rows } = await this.client.query(
      "SELECT COUNT(*) AS n FROM executions WHERE owner_id = $1 AND status IN ('pending', 'running')",
      [ownerId],
    );
    return Number(rows[0].n);
  }

  async seed(rows: number, owners: string[]): Promise<void> {
    // One statement per million rows keeps memory flat; generate_series numbers them like the SQLite loop.
    const batch = 250_000;
    for (let start = 0; start < rows; start += batch) {
      await this.client.query(
        `INSERT INTO executions (id, task_name, status, args, kwargs, result, progress, owner_id, job_id, attempts, max_attempts, priority, queue,
           created_at, started_at, completed_at, updated_at, duration_ms)
         SELECT id, ($1::text[])[1 + i % 3], status, '[]', '{"a":1,"b":2}', CASE WHEN status = 'completed' THEN '{"ok":true}' END, 100,
           ($2::uuid[])[1 + i % $3], id::text, 1, 1, 50, 'default', at, at, at, at, (i::bigint * 7919) % 5000
         FROM (SELECT i, gen_random_uuid() AS id, now() - (i + 1) * interval '1 second' AS at,
                 CASE WHEN i % 20 = 0 THEN 'failed' WHEN i % 50 = 1 THEN 'cancelled' ELSE 'completed' END AS status
               FROM generate_series($4::int, $5::int) AS i) AS seeded`,
        [SEED_TASKS, owners, owners.length, start, Math.min(rows, start + batch) - 1],
      );
    }
    // What autovacuum does after a million inserts anyway: statistics, and the visibility map that
    // lets counts come from the index alone.
    await this.client.query('VACUUM ANALYZE executions');
  }

  async rowAt(ownerId: string, offset: number): Promise<RowPosition> {
    const { rows } = await this.client.query(
      'SELECT id, created_at FROM executions WHERE owner_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET $2',
      [ownerId, offset],
    );
    if (rows.length === 0) throw new Error(`no row at offset ${offset}`);
    return { id: rows[0].id, createdAt: rows[0].created_at };
  }

  async explainPage(ownerId: string, position: RowPosition): Promise<string> {
    const { rows } = await this.client.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${pageSql('$1', '$2', '$3')}`, [
      ownerId,
      position.createdAt,
      position.id,
    ]);
    return rows.map((row: Record<string, string>) => row['QUERY PLAN']).join('\n');
  }

  async drop(): Promise<void> {
    await this.client.end();
    await withClient(this.serverUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`));
  }
}

/**
 * The shape of the gateway's list query for a non-admin caller, newest first, after a cursor (kept
 * in step with src/common/keyset-page.ts, which builds it through TypeORM).
 */
function pageSql(owner: string, at: string, id: string): string {
  return `SELECT * FROM executions e WHERE e.owner_id = ${owner} AND (e.created_at, e.id) < (${at}, ${id})
    ORDER BY e.created_at DESC, e.id DESC LIMIT 21`;
}

function seededStatus(i: number): string {
  if (i % 20 === 0) return 'failed';
  if (i % 50 === 1) return 'cancelled';
  return 'completed';
}

/** TypeORM's SQLite datetime text: UTC, milliseconds. */
function sqliteTime(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

async function withClient<T>(url: string, use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** Durations spread over 0-4999 ms (the PostgreSQL seed computes the same), so percentiles sort real values. */
function seededDuration(i: number): number {
  return (i * 7919) % 5000;
}
