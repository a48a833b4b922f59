import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { freePort, runCli, startGateway } from './support/processes';
import { ManagedProcess } from './support/managed-process';
import { pollUntil } from './support/wait-for';
import { createEmptyDatabase, testEnv } from './support/test-config';
import { deleteQueueKeys } from './support/test-app';
import { loadAppConfig } from '../src/config/load-app-config';

const TOKEN = /tgw_[A-Za-z0-9_-]{40}/;
/** How long an execution must stay pending while no worker runs: a quiet period, the thing under test. */
const NO_WORKER_MS = 500;
const COMPLETED = { timeoutMs: 15_000, intervalMs: 50 };

describe('starting the gateway as a process (e2e)', () => {
  const started: ManagedProcess[] = [];
  const start = (env: Record<string, string>) => {
    const gateway = startGateway(env);
    started.push(gateway);
    return gateway;
  };

  afterEach(async () => {
    await Promise.all(started.splice(0).map((child) => child.stop()));
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT must be a whole number/],
    [{ ROLE: 'boss' }, /ROLE must be one of all, api, worker/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must be sqlite:<path> or postgres:/],
    [{ REDIS_URL: 'http://x' }, /REDIS_URL must be redis:/],
    [{ DEMO_TASKS: 'maybe' }, /DEMO_TASKS must be true or false/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [{ BODY_LIMIT: 'huge' }, /BODY_LIMIT must be a size/],
    [{ BOOTSTRAP_ADMIN: '2' }, /BOOTSTRAP_ADMIN must be true or false/],
    [{ SECRETS_KEY: 'c2hvcnQ=' }, /SECRETS_KEY must be 32 random bytes in base64/],
    [{ COMPAT_UPLOAD_TASK: 'demo.add' }, /invalid configuration: COMPAT_UPLOAD_TASK names "demo.add", which takes no file/],
  ])('stops with a message naming the variable for %p', async (bad, message) => {
    const gateway = start({ ...testEnv(), ...bad });
    expect((await gateway.exited).code).toBe(2);
    expect(gateway.output()).toMatch(message);
  });

  it('exits non-zero with one line naming the Redis URL when Redis is unreachable', async () => {
    const gateway = start({ ...testEnv(), REDIS_URL: 'redis://:hunter2@127.0.0.1:1/3' });
    expect((await gateway.exited).code).toBe(1);
    const lines = gateway.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1\/3 .*redis-server/);
    expect(gateway.output()).not.toContain('hunter2');
  });

  it('on an empty database creates admin, prints its token once, and that token runs demo.add', async () => {
    const database = await createEmptyDatabase();
    const env = { ...testEnv({ BOOTSTRAP_ADMIN: 'true', LOG_LEVEL: 'info', LOG_FILE: '' }), DATABASE_URL: database.url };
    try {
      const port = await freePort();
      const first = start({ ...env, PORT: String(port) });
      const [token] = await first.waitForOutput(TOKEN);
      await first.waitForOutput(/listening on/);
      expect(first.stdout().match(new RegExp(TOKEN, 'g'))).toHaveLength(2); // the token line and the curl hint
      const http = request(`http://127.0.0.1:${port}`);
      const accepted = await http
        .post('/api/v1/tasks/execute')
        .set('Authorization', `Bearer ${token}`)
        .send({ task_name: 'demo.add', kwargs: { a: 2, b: 3 } })
        .expect(202);
      const read = async () =>
        (await http.get(`/api/v1/executions/${accepted.body.execution_id}`).set('Authorization', `Bearer ${token}`).expect(200)).body;
      const record = await pollUntil(read, (body) => body.status === 'completed', COMPLETED);
      expect(record).toMatchObject({ status: 'completed', result: 5 });
      await first.stop();

      const second = start({ ...env, PORT: String(port) });
      await second.waitForOutput(/listening on/);
      expect(second.output()).not.toMatch(TOKEN);
    } finally {
      await database.drop();
      await deleteQueueKeys(loadAppConfig(env));
    }
  });

  it('limits a worker to the queues named in QUEUES', async () => {
    const gateway = start({ ...testEnv({ LOG_LEVEL: 'info', LOG_FILE: '' }), ROLE: 'worker', QUEUES: 'reports' });
    await gateway.waitForOutput(/worker started/);
    expect(gateway.output()).toMatch(/QUEUES names \\?"reports\\?", which no registered task uses/);
    expect(gateway.output()).not.toMatch(/consuming queue/);
  });

  it('runs the API and the worker as separate processes (ROLE=api, ROLE=worker)', async () => {
    const database = await createEmptyDatabase();
    const env = { ...testEnv({ LOG_LEVEL: 'info', LOG_FILE: '' }), DATABASE_URL: database.url };
    try {
      expect(runCli(env, 'migrate').status).toBe(0);
      runCli(env, 'principal:create', 'runner', '--permission', 'demo.run');
      const token = runCli(env, 'token:create', 'runner').stdout.trim();
      const port = await freePort();
      const api = start({ ...env, ROLE: 'api', PORT: String(port) });
      await api.waitForOutput(/listening on/);
      expect(api.output()).not.toMatch(/consuming queue/);
      const http = request(`http://127.0.0.1:${port}`);
      const accepted = await http
        .post('/api/v1/tasks/execute')
        .set('Authorization', `Bearer ${token}`)
        .send({ task_name: 'demo.add', kwargs: { a: 40, b: 2 } })
        .expect(202);
      const read = async () =>
        (await http.get(`/api/v1/executions/${accepted.body.execution_id}`).set('Authorization', `Bearer ${token}`).expect(200)).body;
      // Nothing runs it until a worker exists.
      await sleep(NO_WORKER_MS);
      expect((await read()).status).toBe('pending');

      // State changes are logged at debug.
      const worker = start({ ...env, ROLE: 'worker', LOG_LEVEL: 'debug', PORT: String(await freePort()) });
      await worker.waitForOutput(/consuming queue \\?"default\\?"/);
      const record = await pollUntil(read, (body) => body.status === 'completed', COMPLETED);
      expect(record).toMatchObject({ status: 'completed', result: 42 });
      expect(worker.output()).not.toMatch(/listening on/);
      // Both processes logged requests and state changes, and no token.
      expect(api.output()).toMatch(/"url":"\/api\/v1\/tasks\/execute"/);
      await worker.waitForOutput(/"event":"execution.status"/); // logs are written asynchronously
      expect(api.output() + worker.output()).not.toMatch(TOKEN);
    } finally {
      await database.drop();
      await deleteQueueKeys(loadAppConfig(env));
    }
  });
});
