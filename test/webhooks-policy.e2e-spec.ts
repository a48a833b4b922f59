import { Execution } from '../src/executions/execution.entity';
import { loadAppConfig } from '../src/config/load-app-config';
import { HostResolver } from '../src/webhooks/host-resolver';
import { WebhookDelivery } from '../src/webhooks/webhook-delivery.entity';
import { WebhookQueue } from '../src/webhooks/webhook-queue';
import { createCaller, dataSource, TestCaller } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';
import { testEnv } from './support/test-config';
import { pollUntil, waitForExecution } from './support/wait-for';
import { signatureIsValid, WebhookReceiver } from './support/webhook-receiver';

const API = '/api/v1';
const SECRET = 'whsec-policy-0123456789abcdef';
const POLL = { timeoutMs: 15_000, intervalMs: 25 };
const PUBLIC_ADDRESS = '93.184.215.14';

/**
 * SPEC 7.3's refusals: callbacks to loopback, private and link-local addresses (unless
 * WEBHOOK_ALLOW_PRIVATE), plain http:, no WEBHOOK_SECRET; a name that turns private after
 * submission (DNS rebinding) is refused at delivery. Then durability: a delivery waits in Redis
 * for a worker-role process. DNS is mocked (outside the product): `HostResolver` answers for test names.
 */
describe('webhook URL policy (e2e)', () => {
  let t: TestApp;
  let caller: TestCaller;
  let receiver: WebhookReceiver;
  /** Test names and what they resolve to, call after call (the last answer repeats). */
  const names = new Map<string, string[][]>();

  beforeAll(async () => {
    receiver = await new WebhookReceiver().start();
    t = await createTestApp({
      env: { WEBHOOK_SECRET: SECRET, WEBHOOK_BACKOFF_MS: '100', WEBHOOK_ATTEMPTS: '2', RECONCILE_INTERVAL_MS: '0' },
    });
    const resolver = t.app.get(HostResolver);
    const realResolve = resolver.resolve.bind(resolver);
    jest.spyOn(resolver, 'resolve').mockImplementation(async (hostname) => {
      const answers = names.get(hostname);
      if (!answers) return realResolve(hostname);
      if (answers.length === 0) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      return answers.length > 1 ? answers.shift()! : answers[0];
    });
    caller = await createCaller(t.app, { permissions: ['demo.run', 'demo.files'] });
  });

  afterAll(async () => {
    await t.close();
    await receiver.stop();
  });

  const execute = (body: object) => t.http().post(`${API}/tasks/execute`).set('Authorization', caller.auth).send(body);
  const records = () => dataSource(t.app).getRepository(Execution).countBy({ ownerId: caller.principal.id });

  it.each([
    ['https://127.0.0.1/hook', 'loopback'],
    ['https://127.1.2.3:8443/hook', 'loopback'],
    ['https://10.0.0.1/hook', 'private'],
    ['https://192.168.1.20/hook', 'private'],
    ['https://172.16.0.1/hook', 'private'],
    ['https://169.254.169.254/latest/meta-data/', 'link-local'],
    ['https://100.64.0.1/hook', 'shared \\(CGNAT\\)'],
    ['https://0.0.0.0/hook', 'unspecified'],
    ['https://localhost/hook', 'loopback'],
    ['https://[::1]/hook', 'loopback'],
    ['https://[::ffff:127.0.0.1]/hook', 'loopback'],
    ['https://[::ffff:169.254.169.254]/hook', 'link-local'],
    ['https://[fd00::1]/hook', 'unique local \\(private\\)'],
    ['https://[fe80::1]/hook', 'link-local'],
    ['https://inside.example.test/hook', 'private'],
    ['https://mixed.example.test/hook', 'loopback'],
  ])('refuses %s: it reaches a %s address (400, nothing written)', async (url, range) => {
    names.set('inside.example.test', [['10.1.2.3']]);
    names.set('mixed.example.test', [[PUBLIC_ADDRESS, '127.0.0.1']]); // every address counts, not only the first
    const before = await records();
    const refused = await execute({ task_name: 'demo.add', kwargs: { a: 1, b: 1 }, callback_url: url }).expect(400);
    expect(refused.body.message).toEqual([expect.stringMatching(new RegExp(`^callback_url host .+ resolves to a ${range} address`))]);
    expect(await records()).toBe(before);
  });

  it('refuses plain http: even to a public host, and a host that does not resolve', async () => {
    names.set('public.example.test', [[PUBLIC_ADDRESS]]);
    names.set('nowhere.example.test', []);
    const before = await records();
    const http = await execute({ task_name: 'demo.add', kwargs: { a: 1, b: 1 }, callback_url: 'http://public.example.test/hook' }).expect(
      400,
    );
    expect(http.body.message).toEqual(['callback_url must use https: (plain http: only with WEBHOOK_ALLOW_PRIVATE=true)']);
    const unknown = await execute({
      task_name: 'demo.add',
      kwargs: { a: 1, b: 1 },
      callback_url: 'https://nowhere.example.test/hook',
    }).expect(400);
    expect(unknown.body.message).toEqual(['callback_url host nowhere.example.test could not be resolved (ENOTFOUND)']);
    expect(await records()).toBe(before);
  });

  it('checks the callback_url of an upload too', async () => {
    const refused = await t
      .http()
      .post(`${API}/tasks/demo.checksum/upload`)
      .set('Authorization', caller.auth)
      .field('callback_url', 'https://10.0.0.1/hook')
      .attach('file', Buffer.from('abc'), 'a.txt')
      .expect(400);
    expect(refused.body.message).toEqual([expect.stringMatching(/^callback_url host 10\.0\.0\.1 resolves to a private address/)]);
  });

  it('refuses at delivery a name that resolved to a public address at submission but to 127.0.0.1 now (DNS rebinding): logged, never retried, the receiver never reached', async () => {
    names.set('rebind.example.test', [[PUBLIC_ADDRESS], ['127.0.0.1']]);
    const url = `https://rebind.example.test:${receiver.port}/hook`;
    const accepted = await execute({ task_name: 'demo.add', kwargs: { a: 1, b: 2 }, callback_url: url }).expect(202);
    const id = accepted.body.execution_id as string;
    expect(await waitForExecution(t, caller.auth, id)).toMatchObject({ status: 'completed', callback_url: url });

    const log = await pollUntil(
      async () => (await t.http().get(`${API}/executions/${id}/deliveries`).set('Authorization', caller.auth).expect(200)).body,
      (rows: unknown[]) => rows.length > 0,
      POLL,
    );
    expect(log).toEqual([
      expect.objectContaining({
        attempt: 1,
        status_code: null,
        delivered_at: null,
        error: 'refused: callback_url host rebind.example.test resolves to a loopback address (127.0.0.1), which is not allowed',
      }),
    ]);
    await pollUntil(
      () => t.app.get(WebhookQueue).state(id, 'execution.finished'),
      (state) => state === 'failed',
      POLL,
    );
    expect(await dataSource(t.app).getRepository(WebhookDelivery).countBy({ executionId: id })).toBe(1);
    expect(receiver.connections).toBe(0);
  });

  it('retries a delivery whose host no longer resolves (it may again), up to WEBHOOK_ATTEMPTS', async () => {
    names.set('vanishing.example.test', [[PUBLIC_ADDRESS]]);
    const accepted = await execute({
      task_name: 'demo.add',
      kwargs: { a: 1, b: 2 },
      delay_ms: 600_000,
      callback_url: 'https://vanishing.example.test/hook',
    }).expect(202);
    const id = accepted.body.execution_id as string;
    names.set('vanishing.example.test', []);
    await t.http().post(`${API}/executions/${id}/cancel`).set('Authorization', caller.auth).expect(202);
    await pollUntil(
      () => t.app.get(WebhookQueue).state(id, 'execution.finished'),
      (state) => state === 'failed',
      POLL,
    );
    const log = (await t.http().get(`${API}/executions/${id}/deliveries`).set('Authorization', caller.auth).expect(200)).body;
    expect(log).toEqual(
      [1, 2].map((attempt) =>
        expect.objectContaining({
          attempt,
          status_code: null,
          error: 'callback_url host vanishing.example.test could not be resolved (ENOTFOUND)',
        }),
      ),
    );
  });
});

describe('webhooks without WEBHOOK_SECRET (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { WEBHOOK_ALLOW_PRIVATE: 'true' } });
  });

  afterAll(() => t.close());

  it('answers 400 "webhooks are not configured" to a callback_url and writes nothing; without one, execute works', async () => {
    const caller = await createCaller(t.app, { permissions: ['demo.run'] });
    const execute = (body: object) => t.http().post(`${API}/tasks/execute`).set('Authorization', caller.auth).send(body);
    const refused = await execute({ task_name: 'demo.add', kwargs: { a: 1, b: 1 }, callback_url: 'https://hooks.example.com/x' }).expect(
      400,
    );
    expect(refused.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: ['callback_url: webhooks are not configured (WEBHOOK_SECRET is not set)'],
    });
    expect(await dataSource(t.app).getRepository(Execution).countBy({ ownerId: caller.principal.id })).toBe(0);
    await execute({ task_name: 'demo.add', kwargs: { a: 1, b: 1 } }).expect(202);
  });
});

describe('webhook deliveries survive a restart (e2e)', () => {
  it('a delivery enqueued while no worker runs is delivered once a worker-role process starts on the same Redis and database', async () => {
    const receiver = await new WebhookReceiver().start();
    const env = testEnv({ WEBHOOK_SECRET: SECRET, WEBHOOK_ALLOW_PRIVATE: 'true', RECONCILE_INTERVAL_MS: '0' });
    const api = await createTestApp({ config: loadAppConfig({ ...env, ROLE: 'api' }) });
    let worker: TestApp | undefined;
    try {
      const caller = await createCaller(api.app, { permissions: ['demo.run'] });
      const id = (
        await api
          .http()
          .post(`${API}/tasks/execute`)
          .set('Authorization', caller.auth)
          .send({ task_name: 'demo.add', kwargs: { a: 1, b: 1 }, callback_url: receiver.url('/later') })
          .expect(202)
      ).body.execution_id as string;
      // No worker runs the task: the API ends it (cancel), and its delivery waits in Redis.
      await api.http().post(`${API}/executions/${id}/cancel`).set('Authorization', caller.auth).expect(202);
      await pollUntil(
        () => api.app.get(WebhookQueue).state(id, 'execution.finished'),
        (state) => state === 'waiting',
        POLL,
      );
      // The API process stops (app.close, not TestApp.close, which would delete the queue's keys).
      await api.app.close();
      expect(receiver.received).toEqual([]);

      worker = await createTestApp({ config: loadAppConfig({ ...env, ROLE: 'worker' }) });
      const [hook] = await pollUntil(
        () => receiver.to('/later'),
        (hooks) => hooks.length === 1,
        POLL,
      );
      expect(signatureIsValid(SECRET, hook.headers['x-taskgate-signature'] as string, hook.body).valid).toBe(true);
      expect(JSON.parse(hook.body).execution).toMatchObject({ id, status: 'cancelled' });
      const rows = dataSource(worker.app).getRepository(WebhookDelivery);
      await pollUntil(
        () => rows.findBy({ executionId: id }),
        (found) => found.length === 1 && found[0].deliveredAt !== null,
        POLL,
      );
    } finally {
      await worker?.close();
      await receiver.stop();
    }
  });
});
