import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { PrincipalsService } from '../src/auth/principals.service';
import { loadAppConfig } from '../src/config/load-app-config';
import { Execution } from '../src/executions/execution.entity';
import { ExecutionsService } from '../src/executions/executions.service';
import { createCaller, dataSource, TestCaller } from './support/factories';
import { FixtureTasksModule } from './support/fixture-tasks';
import { startFixtureWorker } from './support/processes';
import { ManagedProcess } from './support/managed-process';
import { createTestApp, TestApp } from './support/test-app';
import { testEnv } from './support/test-config';
import { waitForExecution } from './support/wait-for';

/** Well inside the 700 ms delay: the execution must still be pending then; time itself is under test. */
const INSIDE_DELAY_MS = 300;

/** The API in this process (ROLE=api), the worker in another: cancel and timeout cross processes. */
describe('execution lifecycle across processes (e2e)', () => {
  const env = testEnv();
  let t: TestApp;
  let worker: ManagedProcess;
  let alice: TestCaller;
  let admin: TestCaller;

  beforeAll(async () => {
    t = await createTestApp({ config: loadAppConfig({ ...env, ROLE: 'api' }), taskModules: [FixtureTasksModule] });
    worker = startFixtureWorker(env);
    await worker.waitForOutput(/fixture worker ready/, 60_000);
    alice = await createCaller(t.app, { permissions: ['demo.run', 'fx.alpha'] });
    admin = await createCaller(t.app, { isAdmin: true });
  }, 90_000);

  afterAll(async () => {
    if (worker) await worker.stop();
    await t?.close();
  });

  const execute = (caller: TestCaller, body: object, key?: string) => {
    const call = t.http().post('/api/v1/tasks/execute').set('Authorization', caller.auth);
    return (key ? call.set('Idempotency-Key', key) : call).send(body);
  };
  const post = (caller: TestCaller, path: string) => t.http().post(`/api/v1/executions/${path}`).set('Authorization', caller.auth);
  const read = async (caller: TestCaller, id: string) =>
    (await t.http().get(`/api/v1/executions/${id}`).set('Authorization', caller.auth).expect(200)).body;
  const jobState = async (id: string) => {
    const queue = new Queue('default', { connection: { url: t.config.redisUrl }, prefix: t.config.queuePrefix });
    try {
      const job = await queue.getJob(id);
      return job ? await job.getState() : 'gone';
    } finally {
      await queue.close();
    }
  };

  describe('cancel', () => {
    it('answers 409 when the run finished between the cancel’s read and its write, and changes nothing', async () => {
      const { body } = await execute(alice, { task_name: 'demo.add', kwargs: { a: 1, b: 2 } }).expect(202);
      const done = await waitForExecution(t, alice.auth, body.execution_id);
      const record = await dataSource(t.app).getRepository(Execution).findOneByOrFail({ id: body.execution_id });
      // The cancel reads the record as it was a moment before it completed.
      const stale = jest
        .spyOn(ExecutionsService.prototype, 'findVisible')
        .mockResolvedValueOnce(Object.assign(new Execution(), record, { status: 'running' }));
      try {
        expect((await post(alice, `${body.execution_id}/cancel`).expect(409)).body.message).toMatch(/already completed/);
      } finally {
        stale.mockRestore();
      }
      expect(await read(alice, body.execution_id)).toEqual(done);
    });

    it('cancels a delayed execution at once and removes its job', async () => {
      const { body } = await execute(alice, { task_name: 'demo.add', kwargs: { a: 1, b: 2 }, delay_ms: 60_000 }).expect(202);
      expect(await jobState(body.execution_id)).toBe('delayed');
      const cancelled = await post(alice, `${body.execution_id}/cancel`).expect(202);
      expect(cancelled.body).toMatchObject({ status: 'cancelled', is_complete: true });
      expect(cancelled.body.cancel_requested_at).not.toBeNull();
      expect(await jobState(body.execution_id)).toBe('gone');
    });

    it('fires the signal of a running handler in the worker process; the record ends cancelled within 2 s', async () => {
      const { body } = await execute(alice, { task_name: 'demo.sleep', kwargs: { ms: 20_000, steps: 40 } }).expect(202);
      await waitForExecution(t, alice.auth, body.execution_id, (e) => e.status === 'running');
      const requested = Date.now();
      const response = await post(alice, `${body.execution_id}/cancel`).expect(202);
      expect(response.body.cancel_requested_at).not.toBeNull();
      const done = await waitForExecution(t, alice.auth, body.execution_id, undefined, 5000);
      expect(done.status).toBe('cancelled');
      expect(Date.now() - requested).toBeLessThan(2000);
      expect(done.completed_at).not.toBeNull();
    });

    it('does not lie about a handler that ignores the signal: it keeps its real outcome', async () => {
      const { body } = await execute(alice, { task_name: 'fx.stubborn', kwargs: { ms: 800 } }).expect(202);
      await waitForExecution(t, alice.auth, body.execution_id, (e) => e.status === 'running');
      await post(alice, `${body.execution_id}/cancel`).expect(202);
      const done = await waitForExecution(t, alice.auth, body.execution_id);
      expect(done.status).toBe('completed');
      expect(done.result).toEqual({ finished: true, aborted: true });
      expect(done.cancel_requested_at).not.toBeNull();
    });

    it('answers 409 for a finished execution and 404 for somebody else’s', async () => {
      const { body } = await execute(alice, { task_name: 'demo.add', kwargs: { a: 1, b: 2 } }).expect(202);
      await waitForExecution(t, alice.auth, body.execution_id);
      const conflict = await post(alice, `${body.execution_id}/cancel`).expect(409);
      expect(conflict.body.message).toMatch(/already completed/);
      const bob = await createCaller(t.app, { permissions: ['demo.run'] });
      await post(bob, `${body.execution_id}/cancel`).expect(404);
    });
  });

  describe('timeouts', () => {
    it('keeps the worker’s slot while a handler that ignores its signal runs on past its timeout', async () => {
      // fx.solo runs one at a time and ignores its signal: the next run may start only once the first handler returns.
      const first = (await execute(alice, { task_name: 'fx.solo', kwargs: { ms: 800 }, timeout_ms: 100 }).expect(202)).body;
      const second = (await execute(alice, { task_name: 'fx.solo', kwargs: { ms: 10 } }).expect(202)).body;
      const timedOut = await waitForExecution(t, alice.auth, first.execution_id);
      expect(timedOut).toMatchObject({ status: 'timeout', error: 'timed out after 100 ms' });
      const next = await waitForExecution(t, alice.auth, second.execution_id);
      expect(next.result.started - Date.parse(timedOut.started_at)).toBeGreaterThanOrEqual(750);
    });

    it('ends an execution that runs past timeout_ms as timeout, with the signal fired', async () => {
      const { body } = await execute(alice, { task_name: 'demo.sleep', kwargs: { ms: 10_000, steps: 10 }, timeout_ms: 300 }).expect(202);
      const done = await waitForExecution(t, alice.auth, body.execution_id);
      expect(done).toMatchObject({ status: 'timeout', error: 'timed out after 300 ms', timeout_ms: 300 });
      expect(done.duration_ms).toBeGreaterThanOrEqual(300);
      expect(done.duration_ms).toBeLessThan(3000);
    });

    it('applies the task maximum when the call gives none', async () => {
      const { body } = await execute(alice, { task_name: 'fx.bounded' }).expect(202);
      expect((await waitForExecution(t, alice.auth, body.execution_id)).timeout_ms).toBe(60_000);
    });
  });

  describe('automatic retries', () => {
    it('goes back to pending between attempts with the last error visible, and completes on the last', async () => {
      const { body } = await execute(alice, { task_name: 'fx.flaky' }).expect(202);
      const between = await waitForExecution(t, alice.auth, body.execution_id, (e) => e.status === 'pending' && e.attempts >= 1);
      expect(between.error).toMatch(/^attempt \d failed$/);
      expect(between.is_complete).toBe(false);
      const done = await waitForExecution(t, alice.auth, body.execution_id);
      expect(done).toMatchObject({ status: 'completed', attempts: 3, max_attempts: 3, result: { attempt: 3 } });
    });
  });

  describe('manual retry', () => {
    it('creates a new execution with the same input and retried_from, only for failed, cancelled or timeout', async () => {
      const failed = (
        await execute(alice, { task_name: 'demo.fail', kwargs: { message: 'nope' }, resource: 'doc-1', priority: 70 }).expect(202)
      ).body;
      await waitForExecution(t, alice.auth, failed.execution_id);
      const retried = await post(alice, `${failed.execution_id}/retry`).expect(202);
      expect(retried.body.execution_id).not.toBe(failed.execution_id);
      const copy = await waitForExecution(t, alice.auth, retried.body.execution_id);
      expect(copy).toMatchObject({
        retried_from: failed.execution_id,
        task_name: 'demo.fail',
        kwargs: { message: 'nope' },
        resource: 'doc-1',
        priority: 70,
        status: 'failed',
      });

      const ok = (await execute(alice, { task_name: 'demo.add', kwargs: { a: 1, b: 1 } }).expect(202)).body;
      await waitForExecution(t, alice.auth, ok.execution_id);
      expect((await post(alice, `${ok.execution_id}/retry`).expect(409)).body.message).toMatch(/only failed, cancelled or timed-out/);
    });

    it('checks permissions again at retry time', async () => {
      const carol = await createCaller(t.app, { permissions: ['demo.run'] });
      const failed = (await execute(carol, { task_name: 'demo.fail', kwargs: { message: 'x' } }).expect(202)).body;
      await waitForExecution(t, carol.auth, failed.execution_id);
      await t.app.get(PrincipalsService).revoke(carol.principal.name, ['demo.run']);
      const denied = await post(carol, `${failed.execution_id}/retry`).expect(403);
      expect(denied.body.message).toMatch(/missing: demo\.run/);
      await post(admin, `${failed.execution_id}/retry`).expect(202);
    });
  });

  describe('delete', () => {
    it('deletes finished executions (204) and refuses pending or running ones (409)', async () => {
      const done = (await execute(alice, { task_name: 'demo.add', kwargs: { a: 1, b: 1 } }).expect(202)).body;
      await waitForExecution(t, alice.auth, done.execution_id);
      const bob = await createCaller(t.app);
      await t.http().delete(`/api/v1/executions/${done.execution_id}`).set('Authorization', bob.auth).expect(404);
      await t.http().delete(`/api/v1/executions/${done.execution_id}`).set('Authorization', alice.auth).expect(204);
      await t.http().get(`/api/v1/executions/${done.execution_id}`).set('Authorization', alice.auth).expect(404);

      const waiting = (await execute(alice, { task_name: 'demo.add', kwargs: { a: 1, b: 1 }, delay_ms: 60_000 }).expect(202)).body;
      expect(
        (await t.http().delete(`/api/v1/executions/${waiting.execution_id}`).set('Authorization', alice.auth).expect(409)).body.message,
      ).toMatch(/still pending/);
      const running = (await execute(alice, { task_name: 'demo.sleep', kwargs: { ms: 5000, steps: 10 } }).expect(202)).body;
      await waitForExecution(t, alice.auth, running.execution_id, (e) => e.status === 'running');
      await t.http().delete(`/api/v1/executions/${running.execution_id}`).set('Authorization', alice.auth).expect(409);
      await post(alice, `${running.execution_id}/cancel`).expect(202);
      await post(alice, `${waiting.execution_id}/cancel`).expect(202);
    });
  });

  describe('idempotency', () => {
    const count = (caller: TestCaller) => dataSource(t.app).getRepository(Execution).countBy({ ownerId: caller.principal.id });

    it('answers a replay with the same execution and no second job; a different body is 409', async () => {
      const dave = await createCaller(t.app, { permissions: ['demo.run'] });
      const body = { task_name: 'demo.add', kwargs: { a: 5, b: 6 } };
      const first = await execute(dave, body, 'order-42').expect(202);
      const again = await execute(dave, { kwargs: { b: 6, a: 5 }, task_name: 'demo.add' }, 'order-42').expect(202);
      expect(again.body.execution_id).toBe(first.body.execution_id);
      expect(await count(dave)).toBe(1);
      const done = await waitForExecution(t, dave.auth, first.body.execution_id);
      expect(done).toMatchObject({ idempotency_key: 'order-42', attempts: 1, result: 11 });
      expect((await execute(dave, body, 'order-42').expect(202)).body.status).toBe('completed');
      const conflict = await execute(dave, { task_name: 'demo.add', kwargs: { a: 5, b: 7 } }, 'order-42').expect(409);
      expect(conflict.body.message).toMatch(/different request/);
      expect(await count(dave)).toBe(1);
    });

    it('keeps keys per principal, and frees a key after 24 hours', async () => {
      const erin = await createCaller(t.app, { permissions: ['demo.run'] });
      const frank = await createCaller(t.app, { permissions: ['demo.run'] });
      const body = { task_name: 'demo.add', kwargs: { a: 1, b: 1 } };
      const mine = await execute(erin, body, 'shared-key').expect(202);
      const theirs = await execute(frank, body, 'shared-key').expect(202);
      expect(theirs.body.execution_id).not.toBe(mine.body.execution_id);
      await dataSource(t.app)
        .getRepository(Execution)
        .update({ id: mine.body.execution_id }, { createdAt: new Date(Date.now() - 25 * 3600 * 1000) });
      const later = await execute(erin, { task_name: 'demo.add', kwargs: { a: 2, b: 2 } }, 'shared-key').expect(202);
      expect(later.body.execution_id).not.toBe(mine.body.execution_id);
    });

    it('gives concurrent requests with one key one execution', async () => {
      const gina = await createCaller(t.app, { permissions: ['demo.run'] });
      const body = { task_name: 'demo.add', kwargs: { a: 3, b: 3 } };
      const responses = await Promise.all(Array.from({ length: 8 }, () => execute(gina, body, 'burst')));
      expect(responses.map((r) => r.status)).toEqual(Array(8).fill(202));
      expect(new Set(responses.map((r) => r.body.execution_id)).size).toBe(1);
      expect(await count(gina)).toBe(1);
    });

    it('rejects a malformed key with 400 and writes nothing', async () => {
      const hal = await createCaller(t.app, { permissions: ['demo.run'] });
      await execute(hal, { task_name: 'demo.add', kwargs: { a: 1, b: 1 } }, 'x'.repeat(256)).expect(400);
      expect(await count(hal)).toBe(0);
    });
  });

  describe('external progress (PATCH)', () => {
    const patch = (caller: TestCaller, id: string, body: object) =>
      t.http().patch(`/api/v1/executions/${id}`).set('Authorization', caller.auth).send(body);

    it('lets a holder of executions.update move its execution through legal transitions only', async () => {
      const svc = await createCaller(t.app, { permissions: ['demo.run', 'executions.update'], kind: 'service' });
      const { body } = await execute(svc, { task_name: 'demo.add', kwargs: { a: 1, b: 1 }, delay_ms: 60_000 }).expect(202);
      const id = body.execution_id;
      expect((await patch(svc, id, { status: 'completed' }).expect(409)).body.message).toMatch(/from pending to completed/);
      const before = (await t.http().get(`/api/v1/executions/${id}`).set('Authorization', svc.auth).expect(200)).body;
      expect((await patch(svc, id, {}).expect(400)).body.message).toEqual(['the body must set at least one field']);
      expect((await t.http().get(`/api/v1/executions/${id}`).set('Authorization', svc.auth).expect(200)).body).toEqual(before);
      expect((await patch(svc, id, { status: 'running', stage: 'external' }).expect(200)).body).toMatchObject({
        status: 'running',
        stage: 'external',
        attempts: 1,
      });
      expect((await patch(svc, id, { progress: 60, message: 'most of it' }).expect(200)).body).toMatchObject({
        progress: 60,
        message: 'most of it',
      });
      const failed = await patch(svc, id, { status: 'failed', error_message: 'the far side broke' }).expect(200);
      expect(failed.body).toMatchObject({ status: 'failed', error: 'the far side broke', is_complete: true });
      await patch(svc, id, { progress: 10 }).expect(409);
      await patch(svc, id, { owner_id: 'x' }).expect(400);
      await patch(svc, id, { progress: 101 }).expect(400);
    });

    it('is 403 without the permission, 404 for somebody else’s execution', async () => {
      const { body } = await execute(alice, { task_name: 'demo.add', kwargs: { a: 1, b: 1 }, delay_ms: 60_000 }).expect(202);
      await patch(alice, body.execution_id, { progress: 5 }).expect(403);
      const svc = await createCaller(t.app, { permissions: ['executions.update'] });
      await patch(svc, body.execution_id, { progress: 5 }).expect(404);
      await post(alice, `${body.execution_id}/cancel`).expect(202);
    });
  });

  describe('scheduling', () => {
    it('runs higher priority first', async () => {
      // fx.solo's queue runs one job at a time: while a blocker runs, both wait, then the queue picks by priority.
      const blocker = (await execute(alice, { task_name: 'fx.solo', kwargs: { ms: 400 } }).expect(202)).body;
      await waitForExecution(t, alice.auth, blocker.execution_id, (e) => e.status === 'running');
      const low = (await execute(alice, { task_name: 'fx.solo', kwargs: { ms: 50 }, priority: 1 }).expect(202)).body;
      const high = (await execute(alice, { task_name: 'fx.solo', kwargs: { ms: 50 }, priority: 100 }).expect(202)).body;
      const lowDone = await waitForExecution(t, alice.auth, low.execution_id);
      const highDone = await waitForExecution(t, alice.auth, high.execution_id);
      expect(highDone.result.started).toBeLessThan(lowDone.result.started);
    });

    it('honours a task queue with concurrency 1: runs never overlap', async () => {
      const ids = [];
      for (let i = 0; i < 3; i++)
        ids.push((await execute(alice, { task_name: 'fx.solo', kwargs: { ms: 150 } }).expect(202)).body.execution_id);
      const runs = [];
      for (const id of ids) runs.push((await waitForExecution(t, alice.auth, id)).result as { started: number; finished: number });
      runs.sort((a, b) => a.started - b.started);
      for (let i = 1; i < runs.length; i++) expect(runs[i].started).toBeGreaterThanOrEqual(runs[i - 1].finished);
    });

    it('keeps an execution pending until its delay has passed', async () => {
      const { body } = await execute(alice, { task_name: 'demo.add', kwargs: { a: 1, b: 1 }, delay_ms: 700 }).expect(202);
      await sleep(INSIDE_DELAY_MS);
      expect((await read(alice, body.execution_id)).status).toBe('pending');
      const done = await waitForExecution(t, alice.auth, body.execution_id);
      expect(Date.parse(done.started_at) - Date.parse(done.created_at)).toBeGreaterThanOrEqual(650);
    });
  });
});
