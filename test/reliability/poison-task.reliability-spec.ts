import { setTimeout as sleep } from 'node:timers/promises';
import { isTerminal } from '../../src/executions/execution-status';
import { Cluster } from './support/cluster';
import { submitOne } from './support/load';
import { brief, readWhenSettled, reportScenario, waitForRecords } from './support/records';
import { RELIABILITY_PERMISSION } from './support/reliability-tasks';
import { WorkerSupervisor } from './support/worker-supervisor';

const POISON_ATTEMPTS = 3; // rel.poison's `attempts`
const NOOPS_PER_TICK = 3;
// Paces the noop feed: a steady trickle alongside the poison, not a burst that only measures throughput.
const TICK_MS = 300;

/**
 * Issue 7, test 8: a task that kills its worker on every attempt ends `failed` once its attempts
 * are used up, while two supervised workers (restarted whenever one dies) keep running the rest.
 */
describe('a poison task that kills its worker on every attempt (reliability)', () => {
  let cluster: Cluster;
  let supervisor: WorkerSupervisor | undefined;

  beforeAll(async () => {
    cluster = await Cluster.start();
  }, 120_000);

  afterAll(async () => {
    supervisor?.stop();
    await cluster?.stop();
  }, 60_000);

  it('fails it after the attempts allowed; other executions keep completing meanwhile', async () => {
    const db = cluster.control.db;
    supervisor = new WorkerSupervisor(cluster, 2);
    const [api] = await Promise.all([cluster.startApi(), supervisor.start()]);
    const caller = await cluster.control.createCaller([RELIABILITY_PERMISSION]);

    const poison = await submitOne(api.url, caller.auth, { task_name: 'rel.poison' });
    const noops: string[] = [];
    let poisonSettled = false;
    const feeding = (async () => {
      while (!poisonSettled) {
        for (let i = 0; i < NOOPS_PER_TICK; i++) noops.push(await submitOne(api.url, caller.auth, { task_name: 'rel.noop' }));
        await sleep(TICK_MS);
      }
    })();
    feeding.catch(() => undefined); // awaited below; this only keeps an early refusal from being "unhandled"
    const [settled] = await waitForRecords(db, [poison], ([record]) => isTerminal(record.status), 240_000).finally(() => {
      poisonSettled = true;
    });
    await feeding;
    supervisor.stop();

    const others = await readWhenSettled(db, noops, 120_000);
    const counts = await reportScenario(db, 'poison task killing its worker on every attempt, noops alongside', noops.length + 1, [
      poison,
      ...noops,
    ]);

    expect(brief(settled)).toEqual({
      id: poison,
      task: 'rel.poison',
      status: 'failed',
      attempts: POISON_ATTEMPTS,
      error: expect.stringMatching(/stopped before recording an outcome/),
    });
    // Each attempt killed one worker, and no attempt beyond those allowed ran.
    expect(supervisor.deaths.map((death) => death.signal)).toEqual(Array(POISON_ATTEMPTS).fill('SIGKILL'));
    expect(others.filter((record) => record.status !== 'completed').map(brief)).toEqual([]);
    expect(counts).toMatchObject({ completed: noops.length, failed: 1, lost: 0 });
    // "Keep flowing": work was done between the first crash and the poison's end, not only after it.
    const firstCrash = supervisor.deaths[0].at.getTime();
    const poisonEnded = settled.completedAt!.getTime();
    const meanwhile = others.filter((record) => record.completedAt!.getTime() > firstCrash && record.completedAt!.getTime() < poisonEnded);
    expect(meanwhile.length).toBeGreaterThan(0);
  }, 600_000);
});
