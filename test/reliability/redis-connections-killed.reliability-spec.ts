import IORedis from 'ioredis';
import { pollUntil } from '../support/wait-for';
import { Cluster } from './support/cluster';
import { submitExecutions } from './support/load';
import { readWhenSettled, reportScenario } from './support/records';
import { RELIABILITY_PERMISSION } from './support/reliability-tasks';

/** Workers whose Redis connections are cut (CLIENT KILL) reconnect and take new jobs by themselves. */
describe('Redis connections killed under idle workers (reliability)', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await Cluster.start();
  }, 120_000);

  afterAll(() => cluster?.stop(), 60_000);

  it('runs executions submitted after every client connection was killed, twice over', async () => {
    const db = cluster.control.db;
    const [api, worker] = await Promise.all([cluster.startApi(), cluster.startWorker()]);
    const caller = await cluster.control.createCaller([RELIABILITY_PERMISSION]);
    const admin = new IORedis(cluster.redis.url);
    const accepted: string[] = [];
    try {
      for (let round = 0; round < 2; round++) {
        // Every connection but this one: the workers' blocking ones, their lock renewals, the API's producers.
        const killed = Number(await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes'));
        expect(killed).toBeGreaterThan(0);
        // The API's producer may need a moment to reconnect; a 503 then is allowed, a lost 202 is not.
        const submit = async () => (await submitExecutions([api.url], caller.auth, 20, () => ({ task_name: 'rel.effect' }), 4)).accepted;
        const submitted = await pollUntil(submit, (ids) => ids.length > 0, { timeoutMs: 15_000, intervalMs: 200 });
        accepted.push(...submitted);
        const records = await readWhenSettled(db, submitted, 60_000);
        expect(records.filter((record) => record.status === 'completed')).toHaveLength(submitted.length);
      }
    } finally {
      admin.disconnect();
    }
    const counts = await reportScenario(db, 'every Redis connection killed, twice', accepted.length, accepted);
    expect(counts).toMatchObject({ lost: 0, ranTwice: 0 });
    expect(worker.running).toBe(true);
  }, 240_000);
});
