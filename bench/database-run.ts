import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeCursor } from '../src/common/keyset-cursor';
import type { LatencyFigures } from './autocannon-run';
import IORedis from 'ioredis';
import { BenchDatabase } from './bench-database';
import { CpuMeter, pidsNamed } from './cpu-time';
import { freePort } from '../test/support/managed-process';
import { runCli } from '../test/support/processes';
import { MeasuredGateway } from './measured-gateway';
import { postClosedLoop } from './http-clients';
import { runOpenLoop } from './open-loop';
import { BenchOptions, DatabaseKind } from './options';
import { measureRawBullmq, RawBullmqFigures } from './raw-bullmq';
import { BatchFigures, measureBatches } from './batch-run';

/** Every figure of one database's run. Latencies in ms, memory in MiB, times in ms. */
export interface DatabaseFigures {
  kind: DatabaseKind;
  topology: string;
  raw: RawBullmqFigures;
  endToEnd?: {
    acceptedPerSecond: number;
    completedPerSecond: number;
    refused: Record<number, number>;
    cpuPerExecution: Record<string, number>;
  };
  batch?: BatchFigures;
  /** A bare Node HTTP server under the same client at the same rates: what the machine and client cost alone. */
  floor: Array<{ rate: number } & LatencyFigures>;
  submission: Array<{ rate: number } & LatencyFigures>;
  reads: Array<{ name: string } & LatencyFigures>;
  seededRows?: number;
  listPlan?: string;
  memory: Array<{ role: string; idle: number; load: number }>;
  readyMs: Array<{ role: string; ms: number }>;
}

/** The task every execution runs: its handler adds two numbers, nothing more. */
const NOOP = { task_name: 'demo.add', kwargs: { a: 1, b: 2 } };
/** Reads are measured at a steady rate: their latency, not the throughput of the machine. */
export const READ_RATE = 50;
const SLOW_READ_RATE = 1;
const SETTLE_MS = 600_000;
/** After start-up, before idle memory is read: there is no event for "idle", only time. */
const IDLE_SETTLE_MS = 2000;

type Log = (line: string) => void;

/** One database's gateway under measurement, and how many executions the bench principal owns. */
export interface Stand {
  kind: DatabaseKind;
  options: BenchOptions;
  database: BenchDatabase;
  api: MeasuredGateway;
  auth: string;
  benchId: string;
  owned: number;
  log: Log;
  gateways: MeasuredGateway[];
  redisPids: () => number[];
}

/** The whole measurement on one database: the limit, then the gateway, then reads over seeded records. */
export async function runOnDatabase(kind: DatabaseKind, options: BenchOptions, log: Log): Promise<DatabaseFigures> {
  const database = await BenchDatabase.create(kind, options.pgServerUrl);
  const gateways: MeasuredGateway[] = [];
  try {
    const env = gatewayEnv(database.url, options);
    cli(env, 'migrate');
    cli(env, 'principal:create', 'bench', '--service', '--permission', 'demo.run');
    cli(env, 'principal:create', 'bench-other', '--service', '--permission', 'demo.run');
    const auth = `Bearer ${cli(env, 'token:create', 'bench', '--name', 'bench')}`;

    const redisPid = await localRedisPid(options.redisUrl);
    const redisPids = () => (redisPid ? [redisPid] : []);
    log(`${kind}: raw BullMQ, ${options.count} jobs`);
    const raw = await measureRawBullmq(options.redisUrl, options.count, options.clients, options.concurrency, redisPids);

    log(`${kind}: starting the gateway (${options.topology[kind]})`);
    const roles = options.topology[kind] === 'all' ? (['all'] as const) : (['api', 'worker'] as const);
    const readyMs: DatabaseFigures['readyMs'] = [];
    const profiling = profilingArgs(options);
    for (const role of roles) {
      const started = await MeasuredGateway.start(role, env, profiling);
      gateways.push(started.gateway);
      readyMs.push({ role, ms: started.readyMs });
    }
    await sleep(IDLE_SETTLE_MS);
    const idle = gateways.map((gateway) => gateway.rssMib());
    const benchId = await database.principalId('bench');
    const stand: Stand = { kind, options, database, api: gateways[0], auth, benchId, owned: 0, log, gateways, redisPids };

    log(`${kind}: warming up`);
    await submitAndSettle(stand, Math.min(200, options.count));
    gateways.forEach((gateway) => gateway.startSampling());
    const endToEnd = options.phases.includes('e2e') ? await measureEndToEnd(stand) : undefined;
    const batch = options.phases.includes('batch') ? await measureBatches(stand, cpuGroups(stand)) : undefined;
    const submission = options.phases.includes('latency') ? await measureSubmissionLatency(stand) : [];
    const floor = options.phases.includes('latency') ? await measureFloor(options) : [];
    const load = gateways.map((gateway) => gateway.stopSampling());
    const reads = options.phases.includes('reads') ? await measureReads(stand) : undefined;

    return {
      kind,
      topology: roles.join(' + '),
      raw,
      endToEnd,
      batch,
      submission,
      floor,
      reads: reads?.figures ?? [],
      seededRows: reads ? options.seedRows[kind] : undefined,
      listPlan: reads?.plan,
      memory: gateways.map((gateway, index) => ({ role: gateway.role, idle: idle[index], load: load[index] })),
      readyMs,
    };
  } finally {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await database.drop();
  }
}

async function submitAndSettle(stand: Stand, count: number): Promise<ReturnType<typeof postClosedLoop>> {
  const sent = await postClosedLoop(`${stand.api.url}/api/v1/tasks/execute`, stand.auth, NOOP, count, stand.options.clients);
  stand.owned += sent.accepted.length;
  await stand.database.waitForCompleted(stand.benchId, stand.owned, SETTLE_MS);
  return sent;
}

/** N executes from a fixed number of clients, timed until every record is `completed`. */
async function measureEndToEnd(stand: Stand): Promise<DatabaseFigures['endToEnd']> {
  stand.log(`${stand.kind}: end to end, ${stand.options.count} executions, ${stand.options.clients} clients`);
  const meter = new CpuMeter(cpuGroups(stand));
  meter.start();
  const started = performance.now();
  const sent = await submitAndSettle(stand, stand.options.count);
  const completedMs = performance.now() - started;
  const cpu = meter.stop();
  return {
    acceptedPerSecond: sent.accepted.length / (sent.elapsedMs / 1000),
    completedPerSecond: sent.accepted.length / (completedMs / 1000),
    refused: sent.refused,
    cpuPerExecution: Object.fromEntries(Object.entries(cpu).map(([group, ms]) => [group, ms / sent.accepted.length])),
  };
}

/** The processes whose CPU time a throughput measurement reads: the gateway's, PostgreSQL's, Redis's. */
function cpuGroups(stand: Stand): Record<string, () => number[]> {
  const groups: Record<string, () => number[]> = Object.fromEntries(stand.gateways.map((gateway) => [gateway.role, () => [gateway.pid]]));
  if (stand.kind === 'postgres') groups.PostgreSQL = () => pidsNamed('postgres');
  groups.Redis = stand.redisPids;
  return groups;
}

/** Executes at fixed rates; the backlog each leaves is worked off before the next. */
async function measureSubmissionLatency(stand: Stand): Promise<DatabaseFigures['submission']> {
  const figures: DatabaseFigures['submission'] = [];
  for (const rate of stand.options.rates) {
    stand.log(`${stand.kind}: submissions at ${rate}/s for ${stand.options.seconds} s`);
    const url = `${stand.api.url}/api/v1/tasks/execute`;
    const measured = await runOpenLoop({ url, auth: stand.auth, method: 'POST', body: NOOP, rate, seconds: stand.options.seconds });
    figures.push({ rate, ...measured });
    stand.owned += measured.accepted;
    await stand.database.waitForCompleted(stand.benchId, stand.owned, SETTLE_MS);
  }
  return figures;
}

/** The open-loop client against a bare `http.createServer` answering "ok", in a process of its own. */
async function measureFloor(options: BenchOptions): Promise<DatabaseFigures['floor']> {
  const port = await freePort();
  const server = spawn(
    process.execPath,
    ['-e', `require('node:http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1', () => console.log('ready'))`],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve) => server.stdout.once('data', () => resolve()));
  try {
    const figures: DatabaseFigures['floor'] = [];
    for (const rate of options.rates)
      figures.push({ rate, ...(await runOpenLoop({ url: `http://127.0.0.1:${port}/`, auth: '', rate, seconds: options.seconds })) });
    return figures;
  } finally {
    server.kill('SIGTERM');
  }
}

/** Seeds records straight into the database, then reads the list, a record and the statistics at READ_RATE (the slow ones at SLOW_READ_RATE). */
async function measureReads(stand: Stand): Promise<{ figures: DatabaseFigures['reads']; plan: string }> {
  const rows = stand.options.seedRows[stand.kind];
  stand.log(`${stand.kind}: seeding ${rows} records`);
  await stand.database.seed(rows, [stand.benchId, await stand.database.principalId('bench-other')]);
  const deep = await stand.database.rowAt(stand.benchId, Math.floor((stand.owned + rows / 2) * 0.9));
  const cursor = encodeCursor({ ...deep, order: 'desc' });
  const plan = await stand.database.explainPage(stand.benchId, deep);
  const deepPage = Math.max(1, Math.floor(((stand.owned + rows / 2) * 0.9) / 20));
  // Reads that cost far more than the others are asked at a lower rate, so they measure the query, not a queue.
  const paths: Array<[string, string, number?]> = [
    ['list, first page', '/api/v1/executions'],
    ['list, filtered (status=failed)', '/api/v1/executions?status=failed'],
    ['list, page at 90 % depth (cursor)', `/api/v1/executions?cursor=${cursor}`],
    [
      `list, page at 90 % depth (page=${deepPage}, ${SLOW_READ_RATE}/s)`,
      `/api/v1/executions?page=${deepPage}&page_size=20`,
      SLOW_READ_RATE,
    ],
    ['one execution', `/api/v1/executions/${deep.id}`],
    ['statistics', '/api/v1/executions/statistics'],
    [`statistics per task, 24 h window (${SLOW_READ_RATE}/s)`, '/api/v1/executions/statistics?group_by=task&window=24h', SLOW_READ_RATE],
  ];
  const figures: DatabaseFigures['reads'] = [];
  for (const [name, path, rate = READ_RATE] of paths) {
    stand.log(`${stand.kind}: reads, ${name}`);
    figures.push({
      name,
      ...(await runOpenLoop({ url: `${stand.api.url}${path}`, auth: stand.auth, rate, seconds: stand.options.seconds })),
    });
  }
  return { figures, plan };
}

/** `node dist/cli.js …`; throws with its output when it fails; answers its stdout. */
function cli(env: Record<string, string>, ...args: string[]): string {
  const result = runCli(env, ...args);
  if (result.status !== 0) throw new Error(`cli ${args[0]} failed (${result.status}): ${result.stderr}${result.stdout}`);
  return result.stdout.trim();
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
    // Every statistics read is a query: the figures are the query's, not the cache's.
    STATISTICS_CACHE_MS: '0',
    LOG_FILE: join(dir, 'gateway.log'),
    STORAGE_DIR: join(dir, 'uploads'),
  };
}

/** With --profile, each gateway process writes a V8 CPU profile there when it exits. */
function profilingArgs(options: BenchOptions): string[] {
  if (!options.profileDir) return [];
  const dir = resolve(options.profileDir);
  mkdirSync(dir, { recursive: true });
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`];
}

/** The Redis server's pid when it runs on this machine (for its CPU time); undefined otherwise. */
async function localRedisPid(url: string): Promise<number | undefined> {
  const host = new URL(url).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) return undefined;
  const redis = new IORedis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const pid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } finally {
    redis.disconnect();
  }
}
