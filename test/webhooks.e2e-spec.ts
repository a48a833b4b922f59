import { readFileSync } from 'node:fs';
import { Execution } from '../src/executions/execution.entity';
import { ExecutionQueues } from '../src/queue/execution-queues';
import { ExecutionReconciler } from '../src/reconciler/execution-reconciler';
import { WebhookDelivery } from '../src/webhooks/webhook-delivery.entity';
import { WebhookQueue } from '../src/webhooks/webhook-queue';
import { createCaller, dataSource, TestCaller } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';
import { createEmptyDatabase } from './support/test-config';
import { pollUntil, waitForExecution } from './support/wait-for';
import { signatureIsValid, WebhookReceiver } from './support/webhook-receiver';

const API = '/api/v1';
const SECRET = 'whsec-test-0123456789abcdef';
const POLL = { timeoutMs: 15_000, intervalMs: 25 };

/** SPEC 7.3: completion webhooks, signed, retried with backoff, logged per attempt. */
describe('completion webhooks (e2e)', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let alice: TestCaller;
  let bob: TestCaller;
  let admin: TestCaller;

  let database: { url: string; drop: () => Promise<void> };

  beforeAll(async () => {
    receiver = await new WebhookReceiver().start();
    // A database of its own: the reconciler round below must see this suite's executions only, not
    // those other suites of the run left in a shared PostgreSQL database.
    database = await createEmptyDatabase();
    t = await createTestApp({
      env: {
        DATABASE_URL: database.url,
        WEBHOOK_SECRET: SECRET,
        WEBHOOK_ALLOW_PRIVATE: 'true',
        WEBHOOK_BACKOFF_MS: '100',
        WEBHOOK_ATTEMPTS: '3',
        RECONCILE_INTERVAL_MS: '0',
      },
    });
    alice = await createCaller(t.app, { permissions: ['demo.run'] });
    bob = await createCaller(t.app, { permissions: ['demo.run'] });
    admin = await createCaller(t.app, { isAdmin: true });
  });

  afterAll(async () => {
    await t.close();
    await database.drop();
    await receiver.stop();
    // WEBHOOK_SECRET signs every delivery and is never written to the logs.
    expect(readFileSync(t.config.logFile, 'utf8')).not.toContain(SECRET);
  });

  const execute = (caller: TestCaller, body: object) => t.http().post(`${API}/tasks/execute`).set('Authorization', caller.auth).send(body);
  const deliveries = (caller: TestCaller, id: string) =>
    t.http().get(`${API}/executions/${id}/deliveries`).set('Authorization', caller.auth);
  const received = (path: string, count: number) =>
    pollUntil(
      () => receiver.to(path),
      (hooks) => hooks.length >= count,
      POLL,
    );

  it('POSTs the signed record when the execution finishes, retrying a 500 with the same delivery id; the log shows both attempts', async () => {
    receiver.answerWith(500);
    const path = '/retried';
    const accepted = await execute(alice, { task_name: 'demo.add', kwargs: { a: 2, b: 3 }, callback_url: receiver.url(path) }).expect(202);
    const id = accepted.body.execution_id as string;
    const [first, second] = await received(path, 2);

    const record = await waitForExecution(t, alice.auth, id);
    expect(record).toMatchObject({ status: 'completed', result: 5, callback_url: receiver.url(path) });
    for (const hook of [first, second]) {
      expect(hook.headers['x-taskgate-event']).toBe('execution.finished');
      expect(hook.headers['content-type']).toBe('application/json');
      const { valid, t: signedAt } = signatureIsValid(SECRET, hook.headers['x-taskgate-signature'] as string, hook.body);
      expect(valid).toBe(true);
      expect(Math.abs(Date.now() / 1000 - signedAt)).toBeLessThan(60);
      expect(JSON.parse(hook.body)).toEqual({ event: 'execution.finished', execution: record });
    }
    expect(second.headers['x-taskgate-delivery']).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.headers['x-taskgate-delivery']).toBe(first.headers['x-taskgate-delivery']);
    // A signature made with another key does not pass the receiver's check.
    expect(signatureIsValid(`${SECRET}x`, second.headers['x-taskgate-signature'] as string, second.body).valid).toBe(false);
    expect(signatureIsValid(SECRET, second.headers['x-taskgate-signature'] as string, `${second.body} `).valid).toBe(false);

    const log = await pollUntil(
      async () => (await deliveries(alice, id).expect(200)).body as Array<Record<string, unknown>>,
      (rows) => rows.length === 2 && rows[1].delivered_at !== null,
      POLL,
    );
    expect(log).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        delivery_id: first.headers['x-taskgate-delivery'],
        event: 'execution.finished',
        attempt: 1,
        status_code: 500,
        error: 'the receiver answered 500',
        created_at: expect.any(String),
        delivered_at: null,
      },
      {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        delivery_id: first.headers['x-taskgate-delivery'],
        event: 'execution.finished',
        attempt: 2,
        status_code: 200,
        error: null,
        created_at: expect.any(String),
        delivered_at: expect.any(String),
      },
    ]);
    expect(log[0].id).not.toBe(log[1].id);
    expect(Date.parse(log[1].created_at as string) - Date.parse(log[0].created_at as string)).toBeGreaterThanOrEqual(100);
  });

  it('gives up after WEBHOOK_ATTEMPTS, each attempt logged; a refused connection counts as a failed attempt', async () => {
    const closed = new WebhookReceiver();
    await closed.start();
    const url = closed.url('/gone');
    await closed.stop(); // nothing listens there any more: connection refused
    const id = (await execute(alice, { task_name: 'demo.add', kwargs: { a: 1, b: 1 }, callback_url: url }).expect(202)).body.execution_id;
    const log = await pollUntil(
      async () => (await deliveries(alice, id).expect(200)).body as Array<Record<string, unknown>>,
      (rows) => rows.length >= 3,
      POLL,
    );
    expect(log.map((row) => [row.attempt, row.status_code, row.delivered_at])).toEqual([
      [1, null, null],
      [2, null, null],
      [3, null, null],
    ]);
    expect(log[0].error).toMatch(/ECONNREFUSED/);
    await pollUntil(
      () => t.app.get(WebhookQueue).state(id, 'execution.finished'),
      (state) => state === 'failed',
      POLL,
    );
  });

  it('fires for a terminal status written by the API (cancel of a pending execution), and a retry keeps the callback', async () => {
    const path = '/cancelled';
    const id = (
      await execute(alice, { task_name: 'demo.add', kwargs: { a: 1, b: 2 }, delay_ms: 600_000, callback_url: receiver.url(path) }).expect(
        202,
      )
    ).body.execution_id as string;
    expect(receiver.to(path)).toEqual([]);
    await t.http().post(`${API}/executions/${id}/cancel`).set('Authorization', alice.auth).expect(202);
    const [hook] = await received(path, 1);
    expect(JSON.parse(hook.body)).toMatchObject({ event: 'execution.finished', execution: { id, status: 'cancelled', is_complete: true } });

    const retried = (await t.http().post(`${API}/executions/${id}/retry`).set('Authorization', alice.auth).expect(202)).body.execution_id;
    const again = await waitForExecution(t, alice.auth, retried);
    expect(again).toMatchObject({ status: 'completed', retried_from: id, callback_url: receiver.url(path) });
    const hooks = await received(path, 2);
    expect(JSON.parse(hooks[1].body).execution).toEqual(again);
    expect(hooks[1].headers['x-taskgate-delivery']).not.toBe(hook.headers['x-taskgate-delivery']);
  });

  it('fires for a status reported by an external service (PATCH)', async () => {
    const reporter = await createCaller(t.app, { permissions: ['demo.run', 'executions.update'] });
    const path = '/patched';
    const id = (
      await execute(reporter, {
        task_name: 'demo.add',
        kwargs: { a: 1, b: 2 },
        delay_ms: 600_000,
        callback_url: receiver.url(path),
      }).expect(202)
    ).body.execution_id as string;
    const patch = (body: object) => t.http().patch(`${API}/executions/${id}`).set('Authorization', reporter.auth).send(body);
    await patch({ status: 'running' }).expect(200);
    await patch({ status: 'failed', error_message: 'the printer caught fire' }).expect(200);
    const [hook] = await received(path, 1);
    expect(JSON.parse(hook.body).execution).toMatchObject({ id, status: 'failed', error: 'the printer caught fire' });
    expect(receiver.to(path)).toHaveLength(1);
  });

  it('an Idempotency-Key replays only the same callback_url: another one is a 409', async () => {
    const key = `cb-${Date.now()}`;
    const body = { task_name: 'demo.add', kwargs: { a: 7, b: 7 }, delay_ms: 600_000, callback_url: receiver.url('/first') };
    const first = (await execute(alice, body).set('Idempotency-Key', key).expect(202)).body.execution_id;
    expect((await execute(alice, body).set('Idempotency-Key', key).expect(202)).body.execution_id).toBe(first);
    await execute(alice, { ...body, callback_url: receiver.url('/second') })
      .set('Idempotency-Key', key)
      .expect(409);
  });

  it('sends nothing for an execution without callback_url, and its log is empty', async () => {
    const before = receiver.received.length;
    const id = (await execute(alice, { task_name: 'demo.add', kwargs: { a: 1, b: 1 } }).expect(202)).body.execution_id as string;
    expect(await waitForExecution(t, alice.auth, id)).toMatchObject({ status: 'completed', callback_url: null });
    expect((await deliveries(alice, id).expect(200)).body).toEqual([]);
    expect(receiver.received.length).toBe(before);
  });

  it('shows the log under the execution’s visibility: foreign → 404, bad id → 400, admin sees it', async () => {
    const id = (await execute(alice, { task_name: 'demo.add', kwargs: { a: 1, b: 1 }, callback_url: receiver.url('/seen') }).expect(202))
      .body.execution_id as string;
    await received('/seen', 1);
    const foreign = await deliveries(bob, id).expect(404);
    const missing = await deliveries(bob, '00000000-0000-4000-8000-000000000000').expect(404);
    expect(foreign.body).toEqual({ ...missing.body, message: missing.body.message.replace('00000000-0000-4000-8000-000000000000', id) });
    await deliveries(alice, 'not-an-id').expect(400);
    await t.http().get(`${API}/executions/${id}/deliveries`).expect(401);
    const seen = await pollUntil(
      async () => (await deliveries(admin, id).expect(200)).body as unknown[],
      (rows) => rows.length === 1,
      POLL,
    );
    expect(seen).toHaveLength(1);
  });

  it.each([
    ['ftp://files.example.com/x', /callback_url must be an http\(s\) URL, not ftp:/],
    ['javascript:alert(1)', /callback_url must be an http\(s\) URL/],
    ['file:///etc/passwd', /callback_url must be an http\(s\) URL/],
    ['not a url', /callback_url must be an absolute http\(s\) URL/],
    ['/relative/path', /callback_url must be an absolute http\(s\) URL/],
  ])('refuses callback_url %p (400) and writes nothing', async (url, message) => {
    const records = dataSource(t.app).getRepository(Execution);
    const before = await records.countBy({ ownerId: alice.principal.id });
    const refused = await execute(alice, { task_name: 'demo.add', kwargs: { a: 1, b: 1 }, callback_url: url }).expect(400);
    expect(refused.body.message).toEqual([expect.stringMatching(message)]);
    expect(await records.countBy({ ownerId: alice.principal.id })).toBe(before);
  });

  it('refuses a callback_url that is not a string or too long (400, the field named)', async () => {
    const notString = await execute(alice, { task_name: 'demo.add', callback_url: 42 }).expect(400);
    expect(JSON.stringify(notString.body.message)).toContain('callback_url');
    const long = await execute(alice, { task_name: 'demo.add', callback_url: `https://example.com/${'a'.repeat(2048)}` }).expect(400);
    expect(JSON.stringify(long.body.message)).toContain('callback_url');
  });

  it('enqueues a delivery lost between the terminal write and the enqueue (a crash there): the reconciler finds it', async () => {
    const path = '/lost';
    const id = (
      await execute(alice, { task_name: 'demo.add', kwargs: { a: 4, b: 4 }, delay_ms: 600_000, callback_url: receiver.url(path) }).expect(
        202,
      )
    ).body.execution_id as string;
    await t.app.get(ExecutionQueues).remove('default', id);
    // As a process that died right after its terminal write leaves it: terminal, no delivery job, nothing logged.
    const finishedAt = new Date(Date.now() - 1000);
    await dataSource(t.app)
      .getRepository(Execution)
      .update({ id }, { status: 'failed', error: 'worker died', completedAt: finishedAt, updatedAt: finishedAt });
    expect(await t.app.get(WebhookQueue).state(id, 'execution.finished')).toBe('unknown');

    const counts = await t.app.get(ExecutionReconciler).round(0);
    expect(counts.webhooks).toBe(1);
    const [hook] = await received(path, 1);
    expect(JSON.parse(hook.body).execution).toMatchObject({ id, status: 'failed', error: 'worker died' });
    // Once delivered (logged), another round leaves it alone.
    await pollUntil(
      () => dataSource(t.app).getRepository(WebhookDelivery).countBy({ executionId: id }),
      (n) => n === 1,
      POLL,
    );
    expect((await t.app.get(ExecutionReconciler).round(0)).webhooks).toBe(0);
    expect(receiver.to(path)).toHaveLength(1);
  });

  it('drops the delivery log with its execution', async () => {
    const id = (await execute(alice, { task_name: 'demo.add', kwargs: { a: 1, b: 1 }, callback_url: receiver.url('/deleted') }).expect(202))
      .body.execution_id as string;
    const rows = dataSource(t.app).getRepository(WebhookDelivery);
    await pollUntil(
      () => rows.countBy({ executionId: id }),
      (n) => n === 1,
      POLL,
    );
    await t.http().delete(`${API}/executions/${id}`).set('Authorization', alice.auth).expect(204);
    expect(await rows.countBy({ executionId: id })).toBe(0);
  });
});
