import { setTimeout as sleep } from 'node:timers/promises';
import { loadAppConfig } from '../src/config/load-app-config';
import { Execution } from '../src/executions/execution.entity';
import { createCaller, dataSource, TestCaller } from './support/factories';
import { FixtureTasksModule } from './support/fixture-tasks';
import { WS_MAX_MESSAGE_BYTES } from '../src/live/authenticated-ws.adapter';
import { openSse, openWs, SseEvent, WsClient } from './support/live-clients';
import { startFixtureWorker } from './support/processes';
import { ManagedProcess } from './support/managed-process';
import { createTestApp, TestApp } from './support/test-app';
import { testEnv } from './support/test-config';
import { pollUntil, waitForExecution } from './support/wait-for';

/** Messages that must not come cannot be awaited: this quiet period is where they would have arrived. */
const QUIET_MS = 300;

/** SSE and WebSocket on an API process, with the changes made by a worker in another process. */
describe('live updates across processes (e2e)', () => {
  const env = testEnv();
  let t: TestApp;
  let worker: ManagedProcess;
  let port: number;
  let alice: TestCaller;
  let bob: TestCaller;

  beforeAll(async () => {
    t = await createTestApp({ config: loadAppConfig({ ...env, ROLE: 'api' }), taskModules: [FixtureTasksModule] });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as { port: number }).port;
    worker = startFixtureWorker(env);
    await worker.waitForOutput(/fixture worker ready/, 60_000);
    alice = await createCaller(t.app, { permissions: ['demo.run', 'fx.alpha'] });
    bob = await createCaller(t.app, { permissions: ['demo.run'] });
  }, 90_000);

  afterAll(async () => {
    if (worker) await worker.stop();
    await t?.close();
  });

  const execute = async (caller: TestCaller, body: object): Promise<string> =>
    (await t.http().post('/api/v1/tasks/execute').set('Authorization', caller.auth).send(body).expect(202)).body.execution_id;
  const events = (id: string, caller: TestCaller | null = alice, lastEventId?: string) =>
    openSse(port, `/api/v1/executions/${id}/events`, caller?.secret ?? null, lastEventId);

  describe('Server-Sent Events', () => {
    let streamed: SseEvent[];
    let executionId: string;

    it('sends the current state, then each change with an id, ending with the terminal event', async () => {
      executionId = await execute(alice, { task_name: 'demo.sleep', kwargs: { ms: 900, steps: 3 } });
      const stream = events(executionId);
      expect(await stream.status).toBe(200);
      await stream.ended;
      streamed = stream.events;
      expect(streamed.every((event) => event.event === 'execution' && event.data.id === executionId)).toBe(true);
      expect(['pending', 'running']).toContain(streamed[0].data.status);
      const middle = streamed.filter((event) => event.data.status === 'running' && event.data.progress > 0 && event.data.progress < 100);
      expect(middle.length).toBeGreaterThanOrEqual(1);
      expect(streamed[streamed.length - 1].data).toMatchObject({ status: 'completed', progress: 100, is_complete: true });
      const ids = streamed.slice(1).map((event) => event.id!);
      for (let i = 1; i < ids.length; i++) expect(compare(ids[i - 1], ids[i])).toBeLessThan(0);
    });

    it('resumes after Last-Event-ID with exactly what came later', async () => {
      const resumeFrom = streamed[1].id!;
      const stream = events(executionId, alice, resumeFrom);
      await stream.ended;
      const later = streamed.filter((event) => compare(event.id!, resumeFrom) > 0).map((event) => event.id);
      expect(stream.events.map((event) => event.id)).toEqual(later);
      expect(stream.events[stream.events.length - 1].data.status).toBe('completed');
    });

    it('sends a finished execution once and closes', async () => {
      const stream = events(executionId);
      await stream.ended;
      expect(stream.events).toHaveLength(1);
      expect(stream.events[0].data.status).toBe('completed');
    });

    it('takes the token as ?token= too, for browsers (EventSource cannot set headers); other routes do not', async () => {
      const stream = openSse(port, `/api/v1/executions/${executionId}/events?token=${alice.secret}`, null);
      expect(await stream.status).toBe(200);
      await stream.ended;
      expect(stream.events[0].data.status).toBe('completed');
      await t.http().get(`/api/v1/executions/${executionId}?token=${alice.secret}`).expect(401);
      expect(await openSse(port, `/api/v1/executions/${executionId}/events?token=${bob.secret}`, null).status).toBe(404);
    });

    it('answers 404 for an execution the caller may not see, 401 without a token, 400 for a bad id', async () => {
      expect(await events(executionId, bob).status).toBe(404);
      expect(await events(executionId, null).status).toBe(401);
      expect(await openSse(port, '/api/v1/executions/not-an-id/events', alice.secret).status).toBe(400);
    });

    it('bounds the events of a handler that reports progress 10 000 times', async () => {
      const id = await execute(alice, { task_name: 'fx.chatty', kwargs: { reports: 10_000 } });
      const stream = events(id);
      const started = Date.now();
      await stream.ended;
      const elapsed = Date.now() - started;
      const done = await waitForExecution(t, alice.auth, id);
      expect(done).toMatchObject({ status: 'completed', completed_items: 10_000 });
      expect(stream.events[stream.events.length - 1].data.status).toBe('completed');
      // At most one progress event per 250 ms, plus the status changes.
      expect(stream.events.length).toBeLessThanOrEqual(Math.ceil(elapsed / 250) + 6);
    }, 120_000);
  });

  describe('WebSocket', () => {
    it('refuses an upgrade without a valid token', async () => {
      await expect(openWs(port)).rejects.toThrow(/upgrade refused: 401/);
      await expect(openWs(port, { header: 'Bearer tgw_' + 'x'.repeat(40) })).rejects.toThrow(/401/);
      await expect(openWs(port, { query: 'nope' })).rejects.toThrow(/401/);
    });

    it('accepts the token in the Authorization header or in ?token=', async () => {
      const viaHeader = await openWs(port, { header: alice.auth });
      const viaQuery = await openWs(port, { query: alice.secret });
      viaHeader.close();
      viaQuery.close();
    });

    it('closes the connection of a client sending a message over WS_MAX_MESSAGE_BYTES (1009)', async () => {
      const client = await openWs(port, { header: alice.auth });
      const closed = new Promise<number>((resolve) => client.socket.once('close', (code) => resolve(code)));
      client.send({ type: 'subscribe', execution_id: 'x'.repeat(WS_MAX_MESSAGE_BYTES) });
      expect(await closed).toBe(1009);
    });

    it('sends task_update for every change after subscribe, ending with the terminal status', async () => {
      const client = await openWs(port, { header: alice.auth });
      const id = await execute(alice, { task_name: 'demo.sleep', kwargs: { ms: 600, steps: 3 } });
      client.send({ type: 'subscribe', execution_id: id });
      const last = await client.waitFor((m) => m.execution_id === id && m.status === 'completed');
      expect(last).toMatchObject({ type: 'task_update', progress: 100, is_complete: true });
      const updates = client.messages.filter((m) => m.execution_id === id);
      expect(updates.every((m) => m.type === 'task_update')).toBe(true);
      expect(updates.some((m) => m.status === 'running' && m.progress > 0 && m.progress < 100)).toBe(true);
      client.close();
    });

    it('stops sending after unsubscribe', async () => {
      const client = await openWs(port, { header: alice.auth });
      const id = await execute(alice, { task_name: 'demo.sleep', kwargs: { ms: 1500, steps: 5 } });
      client.send({ type: 'subscribe', execution_id: id });
      await client.waitFor((m) => m.execution_id === id);
      client.send({ type: 'unsubscribe', execution_id: id });
      await roundTrip(client);
      const seen = client.messages.length;
      await waitForExecution(t, alice.auth, id);
      await sleep(QUIET_MS);
      expect(client.messages.length).toBe(seen);
      client.close();
    });

    it('answers a subscription to a foreign execution with an error and nothing else', async () => {
      const id = await execute(alice, { task_name: 'demo.sleep', kwargs: { ms: 500, steps: 2 } });
      const spy = await openWs(port, { header: bob.auth });
      spy.send({ type: 'subscribe', execution_id: id });
      await spy.waitFor((m) => m.type === 'error');
      await waitForExecution(t, alice.auth, id);
      await sleep(QUIET_MS);
      expect(spy.messages).toEqual([{ type: 'error', message: `execution ${id} not found` }]);
      spy.close();
    });

    it('answers malformed messages with an error', async () => {
      const client = await openWs(port, { header: alice.auth });
      client.socket.send('not json');
      client.send({ type: 'dance' });
      client.send({ type: 'subscribe', execution_id: 'x' });
      await client.waitFor((m) => m.type === 'error' && /UUID/.test(m.message));
      expect(client.messages.filter((m) => m.type === 'error')).toHaveLength(3);
      client.close();
    });

    it('limits subscriptions per connection', async () => {
      const repo = dataSource(t.app).getRepository(Execution);
      const ids: string[] = [];
      for (let i = 0; i < 101; i++) {
        const id = crypto.randomUUID();
        const now = new Date();
        await repo.insert(
          Object.assign(new Execution(), {
            id,
            taskName: 'demo.add',
            status: 'pending',
            args: [],
            kwargs: {},
            progress: 0,
            ownerId: alice.principal.id,
            jobId: id,
            attempts: 0,
            maxAttempts: 1,
            priority: 50,
            queue: 'default',
            createdAt: now,
            updatedAt: now,
          }),
        );
        ids.push(id);
      }
      const client = await openWs(port, { header: alice.auth });
      for (const id of ids) client.send({ type: 'subscribe', execution_id: id });
      const refused = await client.waitFor((m) => m.type === 'error');
      expect(refused.message).toMatch(/at most 100 subscriptions/);
      const updates = () => client.messages.filter((m) => m.type === 'task_update').length;
      await pollUntil(updates, (count) => count >= 100, { timeoutMs: 5_000, intervalMs: 50 });
      await sleep(QUIET_MS);
      expect(updates()).toBe(100);
      expect(client.messages.filter((m) => m.type === 'error')).toHaveLength(1);
      client.close();
    });
  });

  it('delivers the terminal event to many subscribers of one execution', async () => {
    const id = await execute(alice, { task_name: 'demo.sleep', kwargs: { ms: 800, steps: 4 } });
    const streams = Array.from({ length: 10 }, () => events(id));
    const sockets = await Promise.all(Array.from({ length: 10 }, () => openWs(port, { header: alice.auth })));
    for (const socket of sockets) socket.send({ type: 'subscribe', execution_id: id });
    await Promise.all(streams.map((stream) => stream.ended));
    for (const stream of streams) expect(stream.events[stream.events.length - 1].data.status).toBe('completed');
    for (const socket of sockets) {
      await socket.waitFor((m) => m.execution_id === id && m.status === 'completed');
      socket.close();
    }
  });
});

function compare(a: string, b: string): number {
  const [aMs, aSeq] = a.split('-').map(BigInt);
  const [bMs, bSeq] = b.split('-').map(BigInt);
  return aMs === bMs ? Number(aSeq - bSeq) : aMs < bMs ? -1 : 1;
}

/** The server handles a socket's messages in order: once it answers a later one, those before it were handled. */
async function roundTrip(client: WsClient): Promise<void> {
  const errors = () => client.messages.filter((message) => message.type === 'error').length;
  const before = errors();
  client.send({ type: 'round-trip' });
  await pollUntil(errors, (count) => count > before, { timeoutMs: 5_000, intervalMs: 20 });
}
