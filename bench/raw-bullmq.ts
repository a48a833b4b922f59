import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { CpuMeter } from './cpu-time';
import { ROOT } from '../test/support/processes';

export interface RawBullmqFigures {
  /** Jobs added a second, `clients` adds in flight. */
  addPerSecond: number;
  /** Jobs added and processed a second: from the first add to the last completion. */
  jobsPerSecond: number;
  /** CPU ms a job, by process group (the worker, Redis, the bench as producer). */
  cpuPerJob: Record<string, number>;
}

/**
 * The limit: BullMQ alone on the same Redis, `count` jobs added with `clients` adds in flight (as
 * the HTTP clients do) and processed by a no-op worker in its own process at `concurrency`. Jobs get
 * a job id, as the gateway's do, and no other option.
 */
export async function measureRawBullmq(
  redisUrl: string,
  count: number,
  clients: number,
  concurrency: number,
  redisPids: () => number[],
): Promise<RawBullmqFigures> {
  const prefix = `bench-raw-${randomBytes(4).toString('hex')}`;
  const worker = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      join(ROOT, 'bench', 'raw-bullmq-worker.ts'),
      redisUrl,
      prefix,
      String(concurrency),
      String(count),
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = linesOf(worker.stdout);
  const connection = new IORedis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('default', { connection, prefix });
  try {
    await lines.next('ready');
    const done = lines.next('done');
    const meter = new CpuMeter({ worker: () => [worker.pid!], Redis: redisPids });
    meter.start();
    const started = performance.now();
    let next = 0;
    const lane = async () => {
      while (next++ < count) await queue.add('noop', { executionId: randomUUID() }, { jobId: randomUUID() });
    };
    await Promise.all(Array.from({ length: clients }, lane));
    const added = performance.now();
    await done;
    const finished = performance.now();
    const cpu = meter.stop();
    return {
      addPerSecond: count / ((added - started) / 1000),
      jobsPerSecond: count / ((finished - started) / 1000),
      cpuPerJob: Object.fromEntries(Object.entries(cpu).map(([group, ms]) => [group, ms / count])),
    };
  } finally {
    worker.kill('SIGTERM');
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await connection.quit();
  }
}

/** Waits for whole lines on a stream. */
function linesOf(stream: NodeJS.ReadableStream) {
  let buffer = '';
  const waiters: Array<{ line: string; resolve: () => void }> = [];
  const seen = new Set<string>();
  stream.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    for (const line of parts) {
      seen.add(line);
      for (const waiter of waiters.filter((candidate) => candidate.line === line)) waiter.resolve();
    }
  });
  return {
    next(line: string): Promise<void> {
      if (seen.has(line)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        waiters.push({ line, resolve });
        stream.once('end', () => reject(new Error(`the raw BullMQ worker ended before printing "${line}"`)));
      });
    },
  };
}
