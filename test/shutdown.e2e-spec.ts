import { setTimeout as sleep } from 'node:timers/promises';
import { loadAppConfig } from '../src/config/load-app-config';
import { createCaller, TestCaller } from './support/factories';
import request from 'supertest';
import { uniqueName } from './support/factories';
import { openSse } from './support/live-clients';
import { freePort, runCli, startFixtureWorker, startGateway } from './support/processes';
import { ManagedProcess } from './support/managed-process';
import { createTestApp, deleteQueueKeys, TestApp } from './support/test-app';
import { testEnv } from './support/test-config';
import { pollUntil, waitForExecution } from './support/wait-for';

/** The worker says nothing when SIGTERM makes it stop fetching jobs: this is the time given for that to take hold. */
const SIGNAL_TAKES_HOLD_MS = 200;

/** SIGTERM to a worker while it runs a task: the execution completes, by it or by another worker. */
describe('graceful shutdown of a worker (e2e)', () => {
  const workers: ManagedProcess[] = [];
  const apps: TestApp[] = [];

  afterAll(async () => {
    await Promise.all(workers.map((child) => child.stop()));
    await Promise.all(apps.map((app) => app.close()));
  });

  async function setUp(extra: Record<string, string>): Promise<{ t: TestApp; env: Record<string, string>; caller: TestCaller }> {
    const env = testEnv({ STALLED_INTERVAL_MS: '1000', ...extra });
    const t = await createTestApp({ config: loadAppConfig({ ...env, ROLE: 'api' }) });
    apps.push(t);
    return { t, env, caller: await createCaller(t.app, { permissions: ['demo.run'] }) };
  }

  async function startWorker(env: Record<string, string>): Promise<ManagedProcess> {
    const worker = startFixtureWorker(env);
    workers.push(worker);
    await worker.waitForOutput(/fixture worker ready/, 60_000);
    return worker;
  }

  const run = async (t: TestApp, caller: TestCaller, ms: number) => {
    const { body } = await t
      .http()
      .post('/api/v1/tasks/execute')
      .set('Authorization', caller.auth)
      .send({ task_name: 'demo.sleep', kwargs: { ms, steps: 5 } })
      .expect(202);
    await waitForExecution(t, caller.auth, body.execution_id, (e) => e.status === 'running');
    return body.execution_id as string;
  };

  it('lets the running task finish within SHUTDOWN_GRACE_MS and takes no new job', async () => {
    const { t, env, caller } = await setUp({ SHUTDOWN_GRACE_MS: '10000' });
    const worker = await startWorker(env);
    const id = await run(t, caller, 1500);
    worker.child.kill('SIGTERM');
    await sleep(SIGNAL_TAKES_HOLD_MS);
    const later = await t
      .http()
      .post('/api/v1/tasks/execute')
      .set('Authorization', caller.auth)
      .send({ task_name: 'demo.add', kwargs: { a: 1, b: 1 } })
      .expect(202);
    await worker.exited;
    const done = await waitForExecution(t, caller.auth, id, undefined, 1000);
    expect(done).toMatchObject({ status: 'completed', attempts: 1 });
    const untouched = await t.http().get(`/api/v1/executions/${later.body.execution_id}`).set('Authorization', caller.auth).expect(200);
    expect(untouched.body.status).toBe('pending');
  }, 90_000);

  it('past the grace period leaves the job to another worker: completed, never failed', async () => {
    const { t, env, caller } = await setUp({ SHUTDOWN_GRACE_MS: '200' });
    const first = await startWorker(env);
    const id = await run(t, caller, 2500);
    first.child.kill('SIGTERM');
    await first.exited;
    expect((await t.http().get(`/api/v1/executions/${id}`).set('Authorization', caller.auth)).body.status).toBe('running');
    await startWorker(env);
    const done = await waitForExecution(t, caller.auth, id, undefined, 30_000);
    expect(done).toMatchObject({ status: 'completed', attempts: 2, error: null });
  }, 90_000);

  it('stops an API process cleanly: open SSE streams end, new connections are refused', async () => {
    const env = testEnv({ LOG_FILE: '', LOG_LEVEL: 'info' });
    expect(runCli(env, 'migrate').status).toBe(0);
    const name = uniqueName('watcher');
    runCli(env, 'principal:create', name, '--permission', 'demo.run');
    const token = runCli(env, 'token:create', name).stdout.trim();
    const port = await freePort();
    const api = startGateway({ ...env, ROLE: 'api', PORT: String(port) });
    workers.push(api);
    await api.waitForOutput(/listening on/);
    const { body } = await request(`http://127.0.0.1:${port}`)
      .post('/api/v1/tasks/execute')
      .set('Authorization', `Bearer ${token}`)
      .send({ task_name: 'demo.add', kwargs: { a: 1, b: 1 } })
      .expect(202);
    const stream = openSse(port, `/api/v1/executions/${body.execution_id}/events`, token);
    expect(await stream.status).toBe(200);
    await pollUntil(
      () => stream.events.length,
      (count) => count > 0,
      { timeoutMs: 5_000, intervalMs: 20 },
    );
    const stopped = Date.now();
    api.child.kill('SIGTERM');
    await stream.ended;
    await api.exited;
    expect(Date.now() - stopped).toBeLessThan(10_000);
    expect(stream.events[0].data.status).toBe('pending');
    await expect(request(`http://127.0.0.1:${port}`).get('/health/live')).rejects.toThrow(/ECONNREFUSED/);
    await deleteQueueKeys(loadAppConfig(env));
  }, 60_000);
});
