import IORedis from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { Queue } from 'bullmq';
import { createEmptyDatabase } from '../support/test-config';
import { Cluster } from './support/cluster';
import { submitExecutions } from './support/load';
import { brief, readWhenSettled, reportScenario, waitForRecords } from './support/records';
import { RELIABILITY_PERMISSION } from './support/reliability-tasks';

// better-sqlite3 ships no types; this is all the spec uses of it.
const Database: new (path: string, options: { timeout: number }) => { exec(sql: string): void; close(): void } = require('better-sqlite3'); // eslint-disable-line @typescript-eslint/no-require-imports -- a typed constructor without @types/better-sqlite3

const JOBS = 12;
/** How long the database stays away: the outage under test (every 5 s handler ends inside it), not a wait for anything. */
const OUTAGE_MS = 20_000;

/**
 * The database taken away for 20 s without touching anyone else's: on PostgreSQL the spec's own
 * database refuses connections and its sessions are ended; on SQLite another connection holds the
 * write lock, so every write waits out its busy timeout and fails.
 */
async function takeDatabaseAway(url: string): Promise<() => Promise<void>> {
  if (url.startsWith('sqlite:')) {
    const holder = new Database(url.slice('sqlite:'.length), { timeout: 30_000 });
    holder.exec('BEGIN IMMEDIATE');
    return async () => {
      holder.exec('ROLLBACK');
      holder.close();
    };
  }
  const name = new URL(url).pathname.slice(1);
  const admin = new Client({ connectionString: process.env.TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
  await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
  return async () => {
    await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
    await admin.end();
  };
}

/** Issue 7, test 6: the database away for 20 s while jobs finish. */
describe('the database away for 20 s while jobs finish (reliability)', () => {
  let cluster: Cluster;
  let database: { url: string; drop: () => Promise<void> };

  beforeAll(async () => {
    database = await createEmptyDatabase();
    cluster = await Cluster.start({ env: { DATABASE_URL: database.url } });
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    await database?.drop();
  }, 60_000);

  it('retries the outcome writes, completes no job in BullMQ before its record, and loses or repeats nothing', async () => {
    const db = cluster.control.db;
    const api = await cluster.startApi();
    const worker = await cluster.startWorker();
    const caller = await cluster.control.createCaller([RELIABILITY_PERMISSION]);
    const { accepted, refused } = await submitExecutions([api.url], caller.auth, JOBS, () => ({
      task_name: 'rel.wait',
      kwargs: { ms: 5000 },
    }));
    expect(refused).toEqual([]);
    // Ten run at once (the worker's concurrency), two wait: those are claimed during or after the outage.
    await waitForRecords(db, accepted, (records) => records.filter((record) => record.status === 'running').length >= 10);

    const bringBack = await takeDatabaseAway(database.url);
    // BullMQ leaves a connection it is given open: closed here, or its reconnect timer would keep Jest alive.
    const connection = new IORedis(cluster.redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue('default', { connection, prefix: cluster.env.QUEUE_PREFIX });
    let completedDuringOutage: number;
    try {
      await sleep(OUTAGE_MS);
      // Every handler has finished by now, yet no record could be written: BullMQ must agree.
      completedDuringOutage = (await queue.getJobCounts('completed')).completed;
    } finally {
      await bringBack();
      await queue.close();
      connection.disconnect();
    }

    const records = await readWhenSettled(db, accepted, 180_000);
    const counts = await reportScenario(db, 'database away for 20 s while jobs finish', JOBS, accepted);
    expect(completedDuringOutage).toBe(0);
    expect(records.filter((record) => record.status !== 'completed').map(brief)).toEqual([]);
    // attempts counts every start of a handler: 1 means none ran twice.
    expect(records.map((record) => record.attempts)).toEqual(accepted.map(() => 1));
    expect(counts.lost).toBe(0);
    // The outcome writes failed and were written again: a batch falls back to row-by-row writes, which
    // retry. On SQLite a write waits out the busy timeout (10 s) before it fails, so by the time the
    // batch falls back the lock may be gone and the row write succeeds at its first try.
    expect(worker.output()).toMatch(/a batched completion of \d+ runs failed|recording the outcome of execution \S+ failed \(\d+\)/);
  }, 300_000);
});
