import { CpuMeter } from './cpu-time';
import type { Stand } from './database-run';
import { postBatchesClosedLoop } from './http-clients';

/** The item every batch repeats: the same no-op as the single executes. */
const NOOP = { task_name: 'demo.add', kwargs: { a: 1, b: 2 } };
/** The largest batch the API takes: its answer time is the figure with a target (< 500 ms). */
export const LARGEST_BATCH = 1000;
/** Items a request in the throughput measurement, and requests in flight. */
export const ITEMS_PER_REQUEST = 100;
export const BATCH_CLIENTS = 4;
const SETTLE_MS = 600_000;

export interface BatchFigures {
  /** Answer times of single 1000-item batches sent one at a time, each worked off before the next. */
  largest: { p50: number; max: number; batches: number };
  acceptedPerSecond: number;
  completedPerSecond: number;
  refused: Record<number, number>;
  /** Of the throughput measurement: from the first request to the answer of the last. */
  submitMs: number;
  completedMs: number;
  cpuPerExecution: Record<string, number>;
}

/** Batch execute: the answer time of one 1000-item batch, then `count` executions as 100-item batches, end to end. */
export async function measureBatches(stand: Stand, cpuGroups: Record<string, () => number[]>): Promise<BatchFigures> {
  const url = `${stand.api.url}/api/v1/tasks/execute-batch`;
  const times: number[] = [];
  const repeats = stand.options.smoke ? 2 : 5;
  stand.log(`${stand.kind}: ${repeats} batches of ${LARGEST_BATCH}, one at a time`);
  for (let i = 0; i < repeats; i++) {
    const sent = await postBatchesClosedLoop(url, stand.auth, NOOP, LARGEST_BATCH, LARGEST_BATCH, 1);
    if (sent.accepted.length !== LARGEST_BATCH)
      throw new Error(`a batch of ${LARGEST_BATCH} was not accepted whole: ${JSON.stringify(sent.refused)}`);
    times.push(sent.latenciesMs[0]);
    await settle(stand, sent.accepted.length);
  }
  times.sort((a, b) => a - b);

  const { count } = stand.options;
  stand.log(`${stand.kind}: batches end to end, ${count} executions, ${ITEMS_PER_REQUEST} a request, ${BATCH_CLIENTS} clients`);
  const meter = new CpuMeter(cpuGroups);
  meter.start();
  const started = performance.now();
  const sent = await postBatchesClosedLoop(url, stand.auth, NOOP, ITEMS_PER_REQUEST, count, BATCH_CLIENTS);
  await settle(stand, sent.accepted.length);
  const completedMs = performance.now() - started;
  const cpu = meter.stop();
  return {
    largest: { p50: times[Math.floor((times.length - 1) / 2)], max: times[times.length - 1], batches: times.length },
    acceptedPerSecond: sent.accepted.length / (sent.elapsedMs / 1000),
    completedPerSecond: sent.accepted.length / (completedMs / 1000),
    refused: sent.refused,
    submitMs: sent.elapsedMs,
    completedMs,
    cpuPerExecution: Object.fromEntries(Object.entries(cpu).map(([group, ms]) => [group, ms / sent.accepted.length])),
  };
}

async function settle(stand: Stand, accepted: number): Promise<void> {
  stand.owned += accepted;
  await stand.database.waitForCompleted(stand.benchId, stand.owned, SETTLE_MS);
}
