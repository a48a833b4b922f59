import IORedis from 'ioredis';
import { Cluster } from './support/cluster';
import { submitExecutions } from './support/load';
import { readRecords, readWhenSettled, reportScenario } from './support/records';
import { RELIABILITY_PERMISSION } from './support/reliability-tasks';
import { readSideEffects } from './support/side-effects';

const EXECUTIONS = 100;

/** Issue 7, test 5: Redis loses every job (FLUSHALL) while 100 executions are pending. */
describe('FLUSHALL with 100 executions pending (reliability)', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await Cluster.start();
  }, 120_000);

  afterAll(() => cluster?.stop(), 60_000);

  it('re-enqueues every pending execution; each completes, once', async () => {
    const db = cluster.control.db;
    const api = await cluster.startApi();
    const caller = await cluster.control.createCaller([RELIABILITY_PERMISSION]);
    const { accepted, refused } = await submitExecutions([api.url], caller.auth, EXECUTIONS, () => ({ task_name: 'rel.effect' }));
    expect(refused).toEqual([]);
    expect((await readRecords(db, accepted)).every((record) => record.status === 'pending')).toBe(true);

    const redis = new IORedis(cluster.redis.url);
    try {
      await redis.flushall();
      expect(await redis.dbsize()).toBe(0);
    } finally {
      redis.disconnect();
    }

    // Only now a worker: it can only run what the reconciler puts back.
    await cluster.startWorker();
    const records = await readWhenSettled(db, accepted, 120_000);
    const counts = await reportScenario(db, 'FLUSHALL with 100 pending', EXECUTIONS, accepted);
    expect(records.filter((record) => record.status === 'completed')).toHaveLength(EXECUTIONS);
    expect(counts).toMatchObject({ lost: 0, ranTwice: 0 });
    expect(await readSideEffects(db, accepted)).toHaveLength(EXECUTIONS);
  }, 240_000);
});
