import { isTerminal } from '../../src/executions/execution-status';
import { pollUntil } from '../support/wait-for';
import { Cluster, FAST_RECOVERY } from './support/cluster';
import { submitOne } from './support/load';
import { readRecords, reportScenario, waitForRecords } from './support/records';
import { RELIABILITY_PERMISSION } from './support/reliability-tasks';
import { readSideEffects, SideEffect } from './support/side-effects';

// Far past the lock (STALLED_INTERVAL_MS), so the other worker's stalled check surely hands the job on.
const BLOCK_MS = 8 * Number(FAST_RECOVERY.STALLED_INTERVAL_MS);
const STALE_RESULT_DROPPED = /changed under attempt 1; its result was dropped/;

/**
 * Issue 7, test 2: a handler blocks its worker's event loop past the lock, a second worker takes the
 * job over; both runs happen, only the newer one's outcome is written.
 */
describe('a handler that blocks the event loop past its lock (reliability)', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await Cluster.start();
  }, 120_000);

  afterAll(() => cluster?.stop(), 60_000);

  it('lets the takeover complete the record once; the stale attempt’s late result is dropped', async () => {
    const db = cluster.control.db;
    const [api, ...workers] = await Promise.all([cluster.startApi(), cluster.startWorker(), cluster.startWorker()]);
    const caller = await cluster.control.createCaller([RELIABILITY_PERMISSION]);

    const id = await submitOne(api.url, caller.auth, { task_name: 'rel.block', kwargs: { ms: BLOCK_MS } });
    const [completed] = await waitForRecords(db, [id], ([record]) => isTerminal(record.status), 120_000);
    expect(completed).toMatchObject({ status: 'completed', attempts: 2, error: null, result: { attempt: 2 } });

    // The first attempt wakes up later, records its side effect, and its outcome write finds attempt 2's record.
    const effects = await waitForSideEffects(cluster, id, 2);
    expect(effects.map((effect) => effect.attempt).sort()).toEqual([1, 2]);
    const stale = effects.find((effect) => effect.attempt === 1)!;
    const staleWorker = workers.find((worker) => worker.pid === stale.pid)!;
    await staleWorker.waitForOutput(STALE_RESULT_DROPPED, 60_000);

    const [after] = await readRecords(db, [id]);
    expect(after).toEqual(completed);
    await reportScenario(db, 'event loop blocked past the lock, second worker present', 1, [id]);
  }, 300_000);
});

function waitForSideEffects(cluster: Cluster, id: string, count: number): Promise<SideEffect[]> {
  return pollUntil(
    () => readSideEffects(cluster.control.db, [id]),
    (effects) => effects.length >= count,
    { timeoutMs: 120_000, intervalMs: 200 },
  );
}
