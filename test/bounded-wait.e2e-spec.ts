import IORedis from 'ioredis';
import request from 'supertest';
import { request as httpRequest, Server } from 'node:http';
import { eventsChannel } from '../src/executions/event-keys';
import { Execution } from '../src/executions/execution.entity';
import { ExecutionFeed } from '../src/executions/execution-feed';
import { ExecutionWaiter } from '../src/executions/execution-waiter';
import { loadAppConfig } from '../src/config/load-app-config';
import { createCaller, dataSource, TestCaller, uniqueName } from './support/factories';
import { ManagedProcess } from './support/managed-process';
import { freePort, runCli, startGateway } from './support/processes';
import { createTestApp, deleteQueueKeys, TestApp } from './support/test-app';
import { testEnv } from './support/test-config';
import { pollUntil, waitForExecution } from './support/wait-for';

/** A wait that ran its course took about S seconds; timers may fire a little early, never much. */
const atLeast = (seconds: number) => seconds * 1000 - 100;

/** `?wait=S` (SPEC 7.2): an answer once the execution ends, or after S seconds, woken by the execution's own event. */
describe('bounded wait (e2e)', () => {
  let t: TestApp;
  let base: string;
  let alice: TestCaller;
  let bob: TestCaller;

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as { port: number }).port}`;
    alice = await createCaller(t.app, { permissions: ['demo.run'] });
    bob = await createCaller(t.app, { permissions: ['demo.run'] });
  });

  afterAll(() => t?.close());

  const http = () => request(base);
  const execute = (caller: TestCaller, body: object, wait?: string) =>
    http()
      .post(`/api/v1/tasks/execute${wait === undefined ? '' : `?wait=${wait}`}`)
      .set('Authorization', caller.auth)
      .send(body);
  const get = (caller: TestCaller, id: string, wait?: string) =>
    http()
      .get(`/api/v1/executions/${id}${wait === undefined ? '' : `?wait=${wait}`}`)
      .set('Authorization', caller.auth);
  const timed = async <T>(call: () => PromiseLike<T>): Promise<{ answer: T; ms: number }> => {
    const started = Date.now();
    const answer = await call();
    return { answer, ms: Date.now() - started };
  };
  const sleeping = async (caller: TestCaller, ms: number): Promise<string> =>
    (await execute(caller, { task_name: 'demo.sleep', kwargs: { ms, steps: Math.max(1, Math.floor(ms / 200)) } }).expect(202)).body
      .execution_id;
  const cancel = (caller: TestCaller, id: string) => http().post(`/api/v1/executions/${id}/cancel`).set('Authorization', caller.auth);
  const feed = () => t.app.get(ExecutionFeed);
  const waiter = () => t.app.get(ExecutionWaiter);

  it('execute?wait answers 200 with the whole record when the task ends within the wait', async () => {
    const { body } = await execute(alice, { task_name: 'demo.add', kwargs: { a: 2, b: 3 } }, '10').expect(200);
    expect(body).toMatchObject({ task_name: 'demo.add', status: 'completed', result: 5, owner_id: alice.principal.id, is_complete: true });
    expect((await get(alice, body.id).expect(200)).body).toEqual(body);
  });

  it('execute?wait answers its usual 202 after S seconds when the task is still running', async () => {
    const { answer, ms } = await timed(() => execute(alice, { task_name: 'demo.sleep', kwargs: { ms: 20_000, steps: 100 } }, '1'));
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({
      execution_id: expect.any(String),
      job_id: answer.body.execution_id,
      status: 'pending',
      message: expect.stringContaining('demo.sleep'),
    });
    expect(ms).toBeGreaterThanOrEqual(atLeast(1));
    await cancel(alice, answer.body.execution_id).expect(202);
  });

  it('GET ?wait answers the current record after S seconds, and at once once it ended', async () => {
    const id = await sleeping(alice, 20_000);
    await waitForExecution(t, alice.auth, id, (e) => e.status === 'running');
    const waited = await timed(() => get(alice, id, '2').expect(200));
    expect(waited.ms).toBeGreaterThanOrEqual(atLeast(2));
    expect(waited.answer.body).toMatchObject({ id, status: 'running', is_complete: false });
    await cancel(alice, id).expect(202);
    await waitForExecution(t, alice.auth, id);
    const ended = await timed(() => get(alice, id, '30').expect(200));
    expect(ended.answer.body).toMatchObject({ id, status: 'cancelled', is_complete: true });
    expect(ended.ms).toBeLessThan(5_000);
  });

  it('GET ?wait wakes on the terminal event, well before S', async () => {
    const id = await sleeping(alice, 800);
    const { answer, ms } = await timed(() => get(alice, id, '30').expect(200));
    expect(answer.body).toMatchObject({ id, status: 'completed', result: { slept_ms: 800 } });
    expect(ms).toBeLessThan(15_000);
  });

  it('a foreign or missing execution is a 404 at once, wait or not', async () => {
    const id = await sleeping(alice, 20_000);
    const foreign = await timed(() => get(bob, id, '5').expect(404));
    expect(foreign.ms).toBeLessThan(4_000);
    expect(foreign.answer.body.message).toContain('not found');
    await get(bob, '00000000-0000-4000-8000-000000000000', '5').expect(404);
    await cancel(alice, id).expect(202);
  });

  it.each(['0', '61', '1.5', 'abc', '', '-1', '1e1'])('wait=%j is a 400 on both routes, and execute writes nothing', async (wait) => {
    const records = () => dataSource(t.app).getRepository(Execution).countBy({ ownerId: alice.principal.id });
    const before = await records();
    const refused = await execute(alice, { task_name: 'demo.add', kwargs: { a: 1, b: 1 } }, wait).expect(400);
    expect(refused.body.message).toEqual(['wait must be a whole number of seconds from 1 to 60']);
    expect(await records()).toBe(before);
    const { body } = await execute(alice, { task_name: 'demo.add', kwargs: { a: 1, b: 1 } }).expect(202);
    await get(alice, body.execution_id, wait).expect(400);
    await http().get(`/api/v1/executions/${body.execution_id}?wait=1&wait=2`).set('Authorization', alice.auth).expect(400);
  });

  it('a replayed Idempotency-Key waits on the execution it replays', async () => {
    const key = uniqueName('wait-key');
    const body = { task_name: 'demo.add', kwargs: { a: 4, b: 4 } };
    const first = await execute(alice, body).set('Idempotency-Key', key).expect(202);
    const replayed = await execute(alice, body, '10').set('Idempotency-Key', key).expect(200);
    expect(replayed.body).toMatchObject({ id: first.body.execution_id, status: 'completed', result: 8 });
  });

  it('many waiters share the one Redis subscription: a listener and a timer each', async () => {
    const id = await sleeping(alice, 30_000);
    await waitForExecution(t, alice.auth, id, (e) => e.status === 'running');
    const redis = new IORedis(t.config.redisUrl);
    try {
      const subscribers = async () => ((await redis.pubsub('NUMSUB', eventsChannel(t.config.queuePrefix))) as [string, number])[1];
      expect(await subscribers()).toBe(1);
      const listenersBefore = feed().listenerCount();
      const waits = Array.from({ length: 200 }, () => get(alice, id, '60').then((answer) => answer));
      await pollUntil(
        () => waiter().count,
        (count) => count === 200,
        { timeoutMs: 20_000, intervalMs: 20 },
      );
      expect(feed().listenerCount()).toBe(listenersBefore + 200);
      expect(await subscribers()).toBe(1); // a subscription per waiter would show here
      await cancel(alice, id).expect(202);
      const answers = await Promise.all(waits);
      expect(answers.map((answer) => `${answer.status} ${answer.body.status}`)).toEqual(Array(200).fill('200 cancelled'));
      expect(waiter().count).toBe(0);
      expect(feed().listenerCount()).toBe(listenersBefore);
    } finally {
      redis.disconnect();
    }
  }, 60_000);

  it('a client that leaves stops the wait: its listener and timer are released', async () => {
    const id = await sleeping(alice, 20_000);
    const listenersBefore = feed().listenerCount();
    const url = new URL(`${base}/api/v1/executions/${id}?wait=60`);
    const pending = httpRequest(url, { headers: { Authorization: alice.auth } });
    pending.on('error', () => undefined);
    pending.end();
    await pollUntil(
      () => waiter().count,
      (count) => count === 1,
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    expect(feed().listenerCount()).toBe(listenersBefore + 1);
    pending.destroy();
    await pollUntil(
      () => waiter().count,
      (count) => count === 0,
      { timeoutMs: 5_000, intervalMs: 20 },
    );
    expect(feed().listenerCount()).toBe(listenersBefore);
    await cancel(alice, id).expect(202);
  });

  it('no HTTP server timeout cuts a 60 s wait', () => {
    const server = t.app.getHttpServer() as Server;
    const longEnough = (ms: number) => ms === 0 || ms > 61_000;
    expect(longEnough(server.requestTimeout)).toBe(true);
    expect(longEnough(server.timeout)).toBe(true);
  });
});

describe('bounded wait and shutdown (e2e)', () => {
  it('a stopping API process answers its waiters with the current record at once', async () => {
    const t = await createTestApp();
    await t.app.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${(t.app.getHttpServer().address() as { port: number }).port}`;
    const caller = await createCaller(t.app, { permissions: ['demo.run'] });
    const { body } = await request(base)
      .post('/api/v1/tasks/execute')
      .set('Authorization', caller.auth)
      .send({ task_name: 'demo.add', kwargs: { a: 1, b: 1 }, delay_ms: 60_000 })
      .expect(202);
    const waiting = request(base)
      .get(`/api/v1/executions/${body.execution_id}?wait=60`)
      .set('Authorization', caller.auth)
      .then((r) => r);
    await pollUntil(
      () => t.app.get(ExecutionWaiter).count,
      (count) => count === 1,
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    const stopping = Date.now();
    const closed = t.close();
    const answer = await waiting;
    await closed;
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ id: body.execution_id, status: 'pending' });
    expect(Date.now() - stopping).toBeLessThan(20_000);
  }, 40_000);
});

/** The execution ends in a worker process; the API process that waits on it hears it through Redis. */
describe('bounded wait across processes (e2e)', () => {
  const env = testEnv({ LOG_FILE: '', LOG_LEVEL: 'info' });
  const processes: ManagedProcess[] = [];
  let api: string;
  let token: string;

  beforeAll(async () => {
    expect(runCli(env, 'migrate').status).toBe(0);
    const name = uniqueName('waiter');
    expect(runCli(env, 'principal:create', name, '--permission', 'demo.run').status).toBe(0);
    token = runCli(env, 'token:create', name).stdout.trim();
    const [apiPort, workerPort] = [await freePort(), await freePort()];
    const apiProcess = startGateway({ ...env, ROLE: 'api', PORT: String(apiPort) });
    const workerProcess = startGateway({ ...env, ROLE: 'worker', PORT: String(workerPort) });
    processes.push(apiProcess, workerProcess);
    await apiProcess.waitForOutput(/listening on/, 60_000);
    await workerProcess.waitForOutput(/worker started/, 60_000);
    api = `http://127.0.0.1:${apiPort}`;
  }, 120_000);

  afterAll(async () => {
    await Promise.all(processes.map((child) => child.stop()));
    await deleteQueueKeys(loadAppConfig(env));
  });

  it('an API process with no worker answers execute?wait and GET ?wait when the worker process ends it', async () => {
    const done = await request(api)
      .post('/api/v1/tasks/execute?wait=30')
      .set('Authorization', `Bearer ${token}`)
      .send({ task_name: 'demo.add', kwargs: { a: 20, b: 22 } })
      .expect(200);
    expect(done.body).toMatchObject({ status: 'completed', result: 42, attempts: 1 });
    const accepted = await request(api)
      .post('/api/v1/tasks/execute')
      .set('Authorization', `Bearer ${token}`)
      .send({ task_name: 'demo.sleep', kwargs: { ms: 1000, steps: 2 } })
      .expect(202);
    const waited = await request(api)
      .get(`/api/v1/executions/${accepted.body.execution_id}?wait=30`)
      .set('Authorization', `Bearer ${token}`);
    expect(waited.status).toBe(200);
    expect(waited.body).toMatchObject({ id: accepted.body.execution_id, status: 'completed', result: { slept_ms: 1000, steps: 2 } });
  }, 60_000);
});
