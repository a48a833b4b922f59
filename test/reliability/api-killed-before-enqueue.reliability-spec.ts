import { Execution } from '../../src/executions/execution.entity';
import { Cluster } from './support/cluster';
import { submitExecutions } from './support/load';
import { readWhenSettled, reportScenario } from './support/records';
import { RELIABILITY_PERMISSION } from './support/reliability-tasks';
import { readSideEffects } from './support/side-effects';

/** Issue 7, test 3: the API dies after the record's commit and before the enqueue (TASKGATE_FAULT). */
describe('an API process killed between the commit and the enqueue (reliability)', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await Cluster.start();
  }, 120_000);

  afterAll(() => cluster?.stop(), 60_000);

  it('leaves a pending record that the reconciler enqueues; it completes once', async () => {
    const db = cluster.control.db;
    const [doomed, worker] = await Promise.all([cluster.startApi({ TASKGATE_FAULT: 'exit-before-enqueue' }), cluster.startWorker()]);
    const caller = await cluster.control.createCaller([RELIABILITY_PERMISSION]);

    const { accepted, refused } = await submitExecutions([doomed.url], caller.auth, 1, () => ({ task_name: 'rel.effect' }));
    // The client never got its 202: the process died holding the request.
    expect(accepted).toEqual([]);
    expect(refused).toEqual([{ status: 0, body: expect.any(String) }]);
    expect(await doomed.process.exited).toMatchObject({ signal: 'SIGKILL' });

    const [orphan] = await db.getRepository(Execution).findBy({ ownerId: caller.principalId });
    expect(orphan).toMatchObject({ status: 'pending', attempts: 0 });

    // No API process is left: the worker process's reconciler finds the record and adds its job.
    const [record] = await readWhenSettled(db, [orphan.id], 60_000);
    await reportScenario(db, 'API killed between commit and enqueue', 1, [orphan.id]);
    expect(record).toMatchObject({ status: 'completed', attempts: 1 });
    expect(await readSideEffects(db, [orphan.id])).toHaveLength(1);
    expect(worker.output()).toMatch(/was pending with its job unknown; enqueued again/);
  }, 180_000);
});
