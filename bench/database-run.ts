import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeCursor } from '../src/common/keyset-cursor';
import { LatencyFigures, runAutocannon } from './autocannon-run';
import { BenchDatabase } from './bench-database';
import { GatewayProcess, runCli } from './gateway-process';
import { postClosedLoop } from './http-clients';
import { BenchOptions, DatabaseKind } from './options';
import { measureRawBullmq, RawBullmqFigures } from './raw-bullmq';

/** Every figure of one database's run. Latencies in ms, memory in MiB, times in ms. */
export interface DatabaseFigures {
  kind: DatabaseKind;
  topology: string;
  raw: RawBullmqFigures;
  endToEnd: { acceptedPerSecond: number; completedPerSecond: number; refused: Record<number, number> };
  submission: Array<{ rate: number } & LatencyFigures>;
  reads: Array<{ name: string } & LatencyFigures>;
  seededRows: number;
  listPlan: string;
  memory: Array<{ role: string; idle: number; load: number }>;
  readyMs: Array<{ role: string; ms: number }>;
}

/** The task every execution runs: its handler adds two numbers, nothing more. */
const NOOP = { task_name: 'demo.add', kwargs: { a: 1, b: 2 } };
/** Reads are measured at a steady rate: their latency, not the throughput of the machine. */
const READ_RATE = 50;

/** The whole measurement on one database: the limit, then the gateway, then reads over seeded records. */
export async function runOnDatabase(kind: DatabaseKind, options: BenchOptions, log: (line: string) => void): Promise<DatabaseFigures> {
  const database = await BenchDatabase.create(kind, options.pgServerUrl);
  const gateways: GatewayProcess[] = [];
  try {
    const env = gatewayEnv(database.url, options);
    runCli(env, 'migrate');
    runCli(env, 'principal:create', 'bench', '--service', '--permission', 'demo.run');
    runCli(env, 'principal:create', 'bench-other', '--service', '--permission', 'demo.run');
    const auth = `Bearer ${runCli(env, 'token:create', 'bench', '--name', 'bench')}`;
    const benchId = await database.principalId('bench');

    log(`${kind}: raw BullMQ, ${options.count} jobs`);
    const raw = await measureRawBullmq(options.redisUrl, options.count, options.clients, options.concurrency);

    log(`${kind}: starting the gateway (${options.topology[kind]})`);
    const roles = options.topology[kind] === 'all' ? (['all'] as const) : (['api', 'worker'] as const);
    const readyMs: DatabaseFigures['readyMs'] = [];
    for (const role of roles) {
      const started = await GatewayProcess.start(role, env);
      gateways.push(started.process);
      readyMs.push({ role, ms: started.readyMs });
    }
    const api = gateways[0];
    await sleep(2000);
    const idle = gateways.map((gateway) => gateway.rssMib());
    const execute = `${api.url}/api/v1/tasks/execute`;

    log(`${kind}: warming up`);
    let expected = 0;
    const warmUp = Math.min(200, options.count);
    expected += (await postClosedLoop(execute, auth, NOOP, warmUp, options.clients)).accepted.length;
    await database.waitForCompleted(benchId, expected, 120_000);

    log(`${kind}: end to end, ${options.count} executions, ${options.clients} clients`);
    gateways.forEach((gateway) => gateway.startSampling());
    const started = performance.now();
    const sent = await postClosedLoop(execute, auth, NOOP, options.count, options.clients);
    expected += sent.accepted.length;
    await database.waitForCompleted(benchId, expected, 600_000);
    const completedMs = performance.now() - started;
    const endToEnd = {
      acceptedPerSecond: sent.accepted.length / (sent.elapsedMs / 1000),
      completedPerSecond: sent.accepted.length / (completedMs / 1000),
      refused: sent.refused,
    };

    const submission: DatabaseFigures['submission'] = [];
    for (const rate of options.rates) {
      log(`${kind}: submissions at ${rate}/s for ${options.seconds} s`);
      const figures = await runAutocannon({ url: execute, auth, method: 'POST', body: NOOP, rate, seconds: options.seconds });
      submission.push({ rate, ...figures });
      expected += figures.requests - figures.errors;
      await database.waitForCompleted(benchId, expected, 600_000);
    }
    const load = gateways.map((gateway) => gateway.stopSampling());

    const seededRows = options.seedRows[kind];
    log(`${kind}: seeding ${seededRows} records`);
    await database.seed(seededRows, [benchId, await database.principalId('bench-other')]);
    const ownRows = expected + Math.ceil(seededRows / 2);
    const deep = await database.rowAt(benchId, Math.floor(ownRows * 0.9));
    const cursor = encodeCursor({ ...deep, order: 'desc' });
    const listPlan = await database.explainPage(benchId, deep);
    const readUrls: Array<[string, string]> = [
      ['list, first page', '/api/v1/executions'],
      ['list, filtered (status=failed)', '/api/v1/executions?status=failed'],
      ['list, page at 90 % depth (cursor)', `/api/v1/executions?cursor=${cursor}`],
      ['one execution', `/api/v1/executions/${deep.id}`],
      ['statistics', '/api/v1/executions/statistics'],
    ];
    const reads: DatabaseFigures['reads'] = [];
    for (const [name, path] of readUrls) {
      log(`${kind}: reads, ${name}`);
      reads.push({ name, ...(await runAutocannon({ url: `${api.url}${path}`, auth, rate: READ_RATE, seconds: options.seconds })) });
    }

    return {
      kind,
      topology: roles.join(' + '),
      raw,
      endToEnd,
      submission,
      reads,
      seededRows,
      listPlan,
      memory: gateways.map((gateway, index) => ({ role: gateway.role, idle: idle[index], load: load[index] })),
      readyMs,
    };
  } finally {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await database.drop();
  }
}

/** The gateway as it ships, but for what a benchmark must not measure: rate limits and the first admin. */
function gatewayEnv(databaseUrl: string, options: BenchOptions): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'taskgate-bench-run-'));
  return {
    DATABASE_URL: databaseUrl,
    REDIS_URL: options.redisUrl,
    QUEUE_PREFIX: `bench-${randomBytes(4).toString('hex')}`,
    WORKER_CONCURRENCY: String(options.concurrency),
    BOOTSTRAP_ADMIN: 'false',
    RATE_LIMIT_EXECUTE: '0',
    LOG_FILE: join(dir, 'gateway.log'),
    STORAGE_DIR: join(dir, 'uploads'),
  };
}
