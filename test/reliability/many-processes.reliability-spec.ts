import { Cluster } from './support/cluster';
import { submitExecutions } from './support/load';
import { brief, readWhenSettled, reportScenario } from './support/records';
import { RELIABILITY_PERMISSION } from './support/reliability-tasks';
import { readSideEffects } from './support/side-effects';

const ON_POSTGRES = Boolean(process.env.TEST_DATABASE_URL);
// 5 000 on SQLite too: four processes sharing one WAL file took about 40 s for them on two cores.
const EXECUTIONS = 5000;
const IN_FLIGHT = 32;

/** Issue 7, test 7: two API and two worker processes on one database and Redis, no faults. */
describe(`two API and two worker processes, ${EXECUTIONS} executions over HTTP (reliability)`, () => {
  let cluster: Cluster;

  beforeAll(async () => {
    // Production-like logging: debug lines for 5 000 executions would be most of the work.
    cluster = await Cluster.start({ env: { LOG_LEVEL: 'info' } });
  }, 120_000);

  afterAll(() => cluster?.stop(), 60_000);

  it(
    'completes every accepted execution exactly once in its record, and counts repeated runs',
    async () => {
      const db = cluster.control.db;
      const [apiA, apiB] = await Promise.all([cluster.startApi(), cluster.startApi(), cluster.startWorker(), cluster.startWorker()]);
      const caller = await cluster.control.createCaller([RELIABILITY_PERMISSION]);

      const { accepted, refused, resent } = await submitExecutions(
        [apiA.url, apiB.url],
        caller.auth,
        EXECUTIONS,
        () => ({ task_name: 'rel.effect' }),
        IN_FLIGHT,
      );
      if (resent > 0) console.log(`${resent} requests sent again (same Idempotency-Key) after a connection dropped without an answer`);
      const records = await readWhenSettled(db, accepted, 15 * 60_000);
      const counts = await reportScenario(db, `2 API + 2 workers on ${ON_POSTGRES ? 'PostgreSQL' : 'SQLite'}`, EXECUTIONS, accepted);

      expect(refused.slice(0, 5)).toEqual([]);
      expect(new Set(accepted).size).toBe(EXECUTIONS);
      expect(
        records
          .filter((record) => record.status !== 'completed')
          .slice(0, 10)
          .map(brief),
      ).toEqual([]);
      expect(counts).toMatchObject({ completed: EXECUTIONS, failed: 0, lost: 0 });
      // Every completed record's handler really ran; more than once is allowed (at-least-once) and reported above.
      const ran = new Set((await readSideEffects(db, accepted)).map((effect) => effect.executionId));
      expect(ran.size).toBe(EXECUTIONS);
      const retried = records.filter((record) => record.attempts !== 1).length;
      if (retried > 0) console.log(`${retried} of ${EXECUTIONS} records needed more than one attempt`);
    },
    30 * 60_000,
  );
});
