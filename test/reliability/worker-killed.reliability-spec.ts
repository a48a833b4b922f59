import { Cluster } from './support/cluster';
import { submitExecutions } from './support/load';
import { brief, readWhenSettled, reportScenario, waitForRecords } from './support/records';
import { RELIABILITY_PERMISSION } from './support/reliability-tasks';
import { readSideEffects } from './support/side-effects';

const JOBS = 4;

/** Issue 7, test 1: a worker SIGKILLed with 4 jobs in hand; another worker finishes each as attempt 2. */
describe('a worker killed while it runs 4 jobs (reliability)', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await Cluster.start();
  }, 120_000);

  afterAll(() => cluster?.stop(), 60_000);

  it('has a new worker finish every job as attempt 2, leaving no record running', async () => {
    const db = cluster.control.db;
    const [api, doomed] = await Promise.all([cluster.startApi(), cluster.startWorker()]);
    const caller = await cluster.control.createCaller([RELIABILITY_PERMISSION]);

    // Long enough that all four are seen running at once on a busy machine.
    const { accepted, refused } = await submitExecutions([api.url], caller.auth, JOBS, () => ({
      task_name: 'rel.sleep',
      kwargs: { ms: 6000 },
    }));
    expect(refused).toEqual([]);
    await waitForRecords(db, accepted, (records) => records.every((record) => record.status === 'running'));
    await doomed.stop('SIGKILL');

    const successor = await cluster.startWorker();
    const records = await readWhenSettled(db, accepted, 120_000);
    await reportScenario(db, 'worker SIGKILLed with 4 jobs running', JOBS, accepted);

    expect(records.map(brief).sort(byId)).toEqual(
      [...accepted].sort().map((id) => ({ id, task: 'rel.sleep', status: 'completed', attempts: 2, error: null })),
    );
    // The killed attempts never reached their side effect; the successor's did, once each.
    const effects = (await readSideEffects(db, accepted)).sort((a, b) => a.executionId.localeCompare(b.executionId));
    expect(effects).toEqual([...accepted].sort().map((executionId) => ({ executionId, attempt: 2, pid: successor.pid })));
  }, 300_000);
});

function byId(a: { id?: unknown }, b: { id?: unknown }): number {
  return String(a.id).localeCompare(String(b.id));
}
