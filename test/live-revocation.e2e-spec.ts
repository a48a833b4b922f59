import { loadAppConfig } from '../src/config/load-app-config';
import { LiveSessions } from '../src/live/live-sessions';
import { createCaller, TestCaller } from './support/factories';
import { FixtureTasksModule } from './support/fixture-tasks';
import { openSse, openWs, WsClient } from './support/live-clients';
import { ManagedProcess } from './support/managed-process';
import { startFixtureWorker } from './support/processes';
import { createTestApp, TestApp } from './support/test-app';
import { testEnv } from './support/test-config';
import { pollUntil } from './support/wait-for';

const AUTH_CACHE_MS = 1000;
/** Every session is rechecked within AUTH_CACHE_MS of a change; this leaves room for a slow machine. */
const WITHIN_MS = AUTH_CACHE_MS + 4000;

/**
 * Open sessions follow identity changes (issue 14.1): the API in this process, the worker that
 * moves the executions in another. A revoked or expired token or a disabled principal ends its
 * sessions; a caller that merely lost sight of an execution stops hearing about it.
 */
describe('live sessions after identity changes (e2e)', () => {
  const env = testEnv();
  let t: TestApp;
  let worker: ManagedProcess;
  let port: number;
  let admin: TestCaller;

  beforeAll(async () => {
    t = await createTestApp({
      config: loadAppConfig({ ...env, ROLE: 'api', AUTH_CACHE_MS: String(AUTH_CACHE_MS) }),
      taskModules: [FixtureTasksModule],
    });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as { port: number }).port;
    worker = startFixtureWorker(env);
    await worker.waitForOutput(/fixture worker ready/, 60_000);
    admin = await createCaller(t.app, { isAdmin: true });
  }, 90_000);

  afterAll(async () => {
    if (worker) await worker.stop();
    await t?.close();
  });

  const asAdmin = (method: 'post' | 'patch', path: string, body: object = {}) =>
    t.http()[method](`/api/v1${path}`).set('Authorization', admin.auth).send(body);
  const execute = async (caller: TestCaller, ms = 8000): Promise<string> =>
    (
      await t
        .http()
        .post('/api/v1/tasks/execute')
        .set('Authorization', caller.auth)
        .send({ task_name: 'demo.sleep', kwargs: { ms, steps: 40 } })
        .expect(202)
    ).body.execution_id;
  const closed = (client: WsClient) =>
    new Promise<{ code: number; reason: string }>((resolve) =>
      client.socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  const subscribed = async (caller: TestCaller, id: string): Promise<WsClient> => {
    const client = await openWs(port, { header: caller.auth });
    client.send({ type: 'subscribe', execution_id: id });
    await client.waitFor((message) => message.type === 'task_update' && message.execution_id === id);
    return client;
  };
  const within = <T>(promise: Promise<T>, what: string): Promise<T> =>
    Promise.race([
      promise,
      new Promise<T>((_resolve, reject) => setTimeout(() => reject(new Error(`${what}: not within ${WITHIN_MS} ms`)), WITHIN_MS).unref()),
    ]);

  it('closes a WebSocket with 4401 when its token is revoked, while other sessions go on', async () => {
    const alice = await createCaller(t.app, { permissions: ['demo.run'] });
    const id = await execute(alice);
    const doomed = await subscribed(alice, id);
    const other = await createCaller(t.app, { permissions: ['demo.run'] });
    const steady = await subscribed(other, await execute(other));
    const ending = closed(doomed);
    await asAdmin('post', `/admin/tokens/${alice.token.id}/revoke`).expect(200);
    expect(await within(ending, 'the revoked socket closing')).toEqual({ code: 4401, reason: 'token revoked' });
    const count = steady.messages.length;
    await steady.waitFor(() => steady.messages.length > count); // an unaffected session keeps receiving
    steady.close();
  });

  it('closes a WebSocket with 4403 when its principal is disabled', async () => {
    const carol = await createCaller(t.app, { permissions: ['demo.run'] });
    const client = await subscribed(carol, await execute(carol));
    const ending = closed(client);
    await asAdmin('patch', `/admin/principals/${carol.principal.id}`, { disabled: true }).expect(200);
    expect(await within(ending, 'the disabled principal’s socket closing')).toEqual({ code: 4403, reason: 'principal disabled' });
  });

  it('closes a WebSocket with 4401 when its token expires, with no change to announce it', async () => {
    const dave = await createCaller(t.app, { permissions: ['demo.run'], expiresAt: new Date(Date.now() + 2000) });
    const client = await subscribed(dave, await execute(dave));
    expect(await within(closed(client), 'the expired token’s socket closing')).toEqual({ code: 4401, reason: 'token expired' });
  });

  it('stops an ex-admin’s socket following another principal’s execution, and refuses new ones, keeping the socket open', async () => {
    const owner = await createCaller(t.app, { permissions: ['demo.run'] });
    const boss = await createCaller(t.app, { isAdmin: true });
    const id = await execute(owner);
    const client = await subscribed(boss, id);
    await asAdmin('patch', `/admin/principals/${boss.principal.id}`, { is_admin: false }).expect(200);
    await within(
      client.waitFor((message) => message.type === 'unsubscribed' && message.execution_id === id, WITHIN_MS),
      'the unsubscribed message',
    );
    const heard = client.messages.length;
    client.send({ type: 'subscribe', execution_id: await execute(owner, 500) });
    await client.waitFor((message) => message.type === 'error' && /not found/.test(message.message));
    // The original execution goes on moving; nothing more about it reaches the ex-admin.
    await pollUntil(
      () => t.http().get(`/api/v1/executions/${id}`).set('Authorization', owner.auth),
      (answer) => answer.body.progress >= 10,
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    expect(client.messages.slice(heard).filter((message) => message.type === 'task_update' && message.execution_id === id)).toEqual([]);
    expect(client.socket.readyState).toBe(client.socket.OPEN);
    client.close();
  });

  it('ends an SSE stream when its token is revoked, and an ex-admin’s stream of another’s execution', async () => {
    const erin = await createCaller(t.app, { permissions: ['demo.run'] });
    const own = openSse(port, `/api/v1/executions/${await execute(erin)}/events`, erin.secret);
    expect(await own.status).toBe(200);
    const chief = await createCaller(t.app, { isAdmin: true });
    const foreign = openSse(port, `/api/v1/executions/${await execute(erin)}/events`, chief.secret);
    expect(await foreign.status).toBe(200);
    await pollUntil(
      () => own.events.length + foreign.events.length,
      (count) => count >= 2,
      { timeoutMs: 5000, intervalMs: 20 },
    );

    await asAdmin('patch', `/admin/principals/${chief.principal.id}`, { is_admin: false }).expect(200);
    await within(foreign.ended, 'the ex-admin’s stream ending');
    expect(foreign.events.every((event) => !event.data.is_complete)).toBe(true);

    await asAdmin('post', `/admin/tokens/${erin.token.id}/revoke`).expect(200);
    await within(own.ended, 'the revoked stream ending');
    expect(own.events.every((event) => !event.data.is_complete)).toBe(true);
    await pollUntil(
      () => t.app.get(LiveSessions).size,
      (size) => size === 0,
      { timeoutMs: 5000, intervalMs: 20 },
    );
  });
});
