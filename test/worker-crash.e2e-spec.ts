import { loadAppConfig } from '../src/config/load-app-config';
import { Execution } from '../src/executions/execution.entity';
import { createCaller, dataSource } from './support/factories';
import { startFixtureWorker } from './support/processes';
import { ManagedProcess } from './support/managed-process';
import { createTestApp, TestApp } from './support/test-app';
import { testEnv } from './support/test-config';
import { waitForExecution } from './support/wait-for';

/** A worker killed mid-run: its job is handed to another worker, and the record does not stay `running`. */
describe('a worker killed while it runs a task (e2e)', () => {
  const env = testEnv({ STALLED_INTERVAL_MS: '1000' });
  let t: TestApp;
  const workers: ManagedProcess[] = [];

  beforeAll(async () => {
    t = await createTestApp({ config: loadAppConfig({ ...env, ROLE: 'api' }) });
  });

  afterAll(async () => {
    await Promise.all(workers.map((child) => child.stop()));
    await t.close();
  });

  const startWorker = async () => {
    const worker = startFixtureWorker(env);
    workers.push(worker);
    await worker.waitForOutput(/fixture worker ready/, 60_000);
    return worker;
  };

  it('lets another worker take the job over and finish it as attempt 2', async () => {
    const caller = await createCaller(t.app, { permissions: ['demo.run'] });
    const first = await startWorker();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { body } = await t
        .http()
        .post('/api/v1/tasks/execute')
        .set('Authorization', caller.auth)
        .send({ task_name: 'demo.sleep', kwargs: { ms: 2500, steps: 5 } })
        .expect(202);
      ids.push(body.execution_id);
    }
    for (const id of ids) await waitForExecution(t, caller.auth, id, (e) => e.status === 'running');
    first.child.kill('SIGKILL');
    await first.exited;

    await startWorker();
    for (const id of ids) {
      const done = await waitForExecution(t, caller.auth, id, undefined, 30_000);
      expect(done).toMatchObject({ status: 'completed', attempts: 2, result: { slept_ms: 2500, steps: 5 } });
    }
    expect(await dataSource(t.app).getRepository(Execution).countBy({ ownerId: caller.principal.id, status: 'running' })).toBe(0);
  }, 90_000);
});
