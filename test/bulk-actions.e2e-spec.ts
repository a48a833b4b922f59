import { randomUUID } from 'node:crypto';
import { IsNull, Not } from 'typeorm';
import { AuditEvent } from '../src/audit/audit-event.entity';
import { PrincipalsService } from '../src/auth/principals.service';
import { Execution } from '../src/executions/execution.entity';
import { createCaller, dataSource, TestCaller, uniqueName } from './support/factories';
import { FixtureTasksModule } from './support/fixture-tasks';
import { createTestApp, TestApp } from './support/test-app';
import { waitForExecution } from './support/wait-for';

/** `POST /executions/cancel` and `POST /executions/retry` (SPEC 7.4). */
describe('bulk cancel and retry (e2e)', () => {
  let t: TestApp;
  let alice: TestCaller;
  let bob: TestCaller;
  let admin: TestCaller;

  beforeAll(async () => {
    t = await createTestApp({ taskModules: [FixtureTasksModule] });
    alice = await createCaller(t.app, { permissions: ['demo.run'] });
    bob = await createCaller(t.app, { permissions: ['demo.run'] });
    admin = await createCaller(t.app, { isAdmin: true });
  });

  afterAll(async () => {
    // Nothing of these tests keeps running past them.
    await bulk(admin, 'cancel', { filter: {}, max: 10_000 });
    await t?.close();
  });

  const execute = async (caller: TestCaller, body: object): Promise<string> =>
    (await t.http().post('/api/v1/tasks/execute').set('Authorization', caller.auth).send(body).expect(202)).body.execution_id;
  /** Pending for a minute: delayed, so no worker touches it during a test. */
  const delayed = (caller: TestCaller, resource: string, task = 'demo.sleep') =>
    execute(caller, { task_name: task, kwargs: task === 'demo.sleep' ? { ms: 10 } : {}, resource, delay_ms: 60_000 });
  const running = async (caller: TestCaller, resource: string): Promise<string> => {
    const id = await execute(caller, { task_name: 'demo.sleep', kwargs: { ms: 30_000, steps: 300 }, resource });
    await waitForExecution(t, caller.auth, id, (e) => e.status === 'running');
    return id;
  };
  const failed = async (caller: TestCaller, resource: string): Promise<string> => {
    const id = await execute(caller, { task_name: 'demo.fail', kwargs: { message: 'boom' }, resource });
    await waitForExecution(t, caller.auth, id);
    return id;
  };
  function bulk(caller: TestCaller, action: 'cancel' | 'retry', body: unknown) {
    return t
      .http()
      .post(`/api/v1/executions/${action}`)
      .set('Authorization', caller.auth)
      .send(body as object);
  }
  const statusOf = async (id: string) => (await dataSource(t.app).getRepository(Execution).findOneByOrFail({ id })).status;
  const bulkAudits = (caller: TestCaller, action: 'execution.bulk_cancel' | 'execution.bulk_retry') =>
    dataSource(t.app)
      .getRepository(AuditEvent)
      .find({ where: { actorId: caller.principal.id, action }, order: { occurredAt: 'ASC' } });

  it('cancels the caller’s pending and running executions and leaves another principal’s alone', async () => {
    const resource = uniqueName('bulk-cancel');
    const mine = [await delayed(alice, resource), await delayed(alice, resource), await running(alice, resource)];
    const theirs = [await delayed(bob, resource), await running(bob, resource)];
    const done = await execute(alice, { task_name: 'demo.add', kwargs: { a: 1, b: 1 }, resource });
    await waitForExecution(t, alice.auth, done);

    const { body } = await bulk(alice, 'cancel', { filter: { resource } }).expect(200);
    expect(body).toEqual({ matched: 3, affected: 3, execution_ids: expect.any(Array) });
    expect([...body.execution_ids].sort()).toEqual([...mine].sort());
    expect([await statusOf(mine[0]), await statusOf(mine[1])]).toEqual(['cancelled', 'cancelled']);
    // The running one ends through its handler's AbortSignal, fired in the worker that holds it.
    expect(await waitForExecution(t, alice.auth, mine[2])).toMatchObject({ status: 'cancelled', cancel_requested_at: expect.any(String) });
    expect(await statusOf(done)).toBe('completed');
    expect([await statusOf(theirs[0]), await statusOf(theirs[1])]).toEqual(['pending', 'running']);

    // An admin may pick an owner; the same request again finds nothing left to cancel.
    const forBob = await bulk(admin, 'cancel', { filter: { resource, owner: bob.principal.id } }).expect(200);
    expect(forBob.body).toMatchObject({ matched: 2, affected: 2 });
    expect(await waitForExecution(t, bob.auth, theirs[1])).toMatchObject({ status: 'cancelled' });
    expect((await bulk(alice, 'cancel', { filter: { resource } }).expect(200)).body).toEqual({
      matched: 0,
      affected: 0,
      execution_ids: [],
    });

    expect((await bulkAudits(alice, 'execution.bulk_cancel')).map((audit) => audit.details)).toEqual([
      { filter: { resource }, max: 1000, matched: 3, affected: 3 },
      { filter: { resource }, max: 1000, matched: 0, affected: 0 },
    ]);
  }, 60_000);

  it('a dry run changes nothing and answers the counts the real run then has', async () => {
    const resource = uniqueName('bulk-dry');
    const ids = [await delayed(alice, resource), await delayed(alice, resource), await delayed(alice, resource)];
    const auditsBefore = (await bulkAudits(alice, 'execution.bulk_cancel')).length;
    const dry = await bulk(alice, 'cancel', { filter: { resource, status: 'pending' }, dry_run: true }).expect(200);
    expect(dry.body).toMatchObject({ matched: 3, affected: 3 });
    expect([...dry.body.execution_ids].sort()).toEqual([...ids].sort());
    for (const id of ids) expect(await statusOf(id)).toBe('pending');
    expect(await bulkAudits(alice, 'execution.bulk_cancel')).toHaveLength(auditsBefore);

    const real = await bulk(alice, 'cancel', { filter: { resource, status: 'pending' } }).expect(200);
    expect(real.body).toEqual(dry.body);
    for (const id of ids) expect(await statusOf(id)).toBe('cancelled');
  });

  it('max caps how many are acted on, oldest first; matched counts them all', async () => {
    const resource = uniqueName('bulk-max');
    for (let i = 0; i < 5; i++) await delayed(alice, resource);
    const oldest = await t
      .http()
      .get(`/api/v1/executions?resource=${resource}&order=asc&limit=2`)
      .set('Authorization', alice.auth)
      .expect(200);
    const { body } = await bulk(alice, 'cancel', { filter: { resource }, max: 2 }).expect(200);
    expect(body).toEqual({ matched: 5, affected: 2, execution_ids: oldest.body.items.map((item: { id: string }) => item.id) });
    const left = await bulk(alice, 'cancel', { filter: { resource }, dry_run: true }).expect(200);
    expect(left.body).toMatchObject({ matched: 3, affected: 3 });
  });

  it('retries with retried_from set, checks the permission per execution, and writes one audit row', async () => {
    const carol = await createCaller(t.app, { permissions: ['demo.run', 'fx.alpha'] });
    const resource = uniqueName('bulk-retry');
    const failure = await failed(carol, resource);
    const lost = await delayed(carol, resource, 'fx.bounded');
    await bulk(carol, 'cancel', { filter: { resource } }).expect(200); // a cancelled fx.bounded: retryable, if permitted
    const done = await execute(carol, { task_name: 'demo.add', kwargs: { a: 1, b: 2 }, resource });
    await waitForExecution(t, carol.auth, done);
    await failed(bob, resource); // another principal's: not carol's to retry
    await t.app.get(PrincipalsService).revoke(carol.principal.name, ['fx.alpha']);

    const dry = await bulk(carol, 'retry', { filter: { resource }, dry_run: true }).expect(200);
    expect(dry.body).toEqual({ matched: 2, affected: 1, execution_ids: [failure] });
    const { body } = await bulk(carol, 'retry', { filter: { resource } }).expect(200);
    expect(body).toMatchObject({ matched: 2, affected: 1 });
    const retry = await waitForExecution(t, carol.auth, body.execution_ids[0]);
    expect(retry).toMatchObject({ retried_from: failure, task_name: 'demo.fail', kwargs: { message: 'boom' }, resource, status: 'failed' });
    const retries = await dataSource(t.app).getRepository(Execution).findBy({ retriedFrom: lost });
    expect(retries).toEqual([]);

    const audits = await bulkAudits(carol, 'execution.bulk_retry');
    expect(audits).toHaveLength(1);
    expect(audits[0].details).toEqual({ filter: { resource }, max: 1000, matched: 2, affected: 1 });
    // Each retry made keeps its own row, as a single retry does.
    const perExecution = await dataSource(t.app)
      .getRepository(AuditEvent)
      .findBy({ action: 'execution.retry', targetId: body.execution_ids[0] });
    expect(perExecution).toHaveLength(1);
    const denied = await dataSource(t.app)
      .getRepository(AuditEvent)
      .findBy({ actorId: carol.principal.id, action: 'execution.execute_denied', targetId: 'fx.bounded' });
    expect(denied.map((row) => row.details)).toEqual([{ missing_permissions: ['fx.alpha'], retried_from: lost }]);
  }, 30_000);

  it('an owner filter is for admins only (403), on both actions', async () => {
    for (const action of ['cancel', 'retry'] as const) {
      const refused = await bulk(alice, action, { filter: { owner: bob.principal.id } }).expect(403);
      expect(refused.body.message).toMatch(/only admins may filter by another owner/);
    }
  });

  it.each([
    ['no filter', {}, /filter is required/],
    ['a null filter', { filter: null }, /filter is required/],
    ['a filter that is not an object', { filter: 'all' }, /filter must be an object/],
    ['max 0', { filter: {}, max: 0 }, /max must not be less than 1/],
    ['max 10001', { filter: {}, max: 10_001 }, /max must not be greater than 10000/],
    ['a fractional max', { filter: {}, max: 1.5 }, /max must be an integer/],
    ['a bad status', { filter: { status: 'pending,bogus' } }, /status must be a comma-separated list/],
    ['a bad date', { filter: { created_after: 'yesterday' } }, /created_after must be an ISO-8601/],
    ['an unknown filter field', { filter: { colour: 'red' } }, /filter\.colour: property colour should not exist/],
    ['an unknown field', { filter: {}, force: true }, /property force should not exist/],
    ['a dry_run that is not a boolean', { filter: {}, dry_run: 'yes' }, /dry_run must be a boolean/],
  ])('%s is a 400 and changes nothing', async (_case, body, message) => {
    const resource = uniqueName('bulk-bad');
    const id = await delayed(alice, resource);
    for (const action of ['cancel', 'retry'] as const) {
      const refused = await bulk(alice, action, body).expect(400);
      expect((refused.body.message as string[]).join('\n')).toMatch(message);
    }
    expect(await statusOf(id)).toBe('pending');
    await bulk(alice, 'cancel', { filter: { resource } }).expect(200);
  });

  it('handles thousands in one request: batched cancels, per-execution audit rows, retries through the intake', async () => {
    const erin = await createCaller(t.app, { permissions: ['demo.run'] });
    const repository = dataSource(t.app).getRepository(Execution);
    const start = Date.now() - 3_600_000;
    const rows = Array.from({ length: 2500 }, (_, i) => {
      const id = randomUUID();
      return repository.create({
        ...{ id, taskName: 'demo.add', status: 'pending', args: [], kwargs: { a: i, b: 1 }, result: null, progress: 0 },
        ...{ ownerId: erin.principal.id, jobId: id, attempts: 0, maxAttempts: 1, priority: 50, queue: 'default' },
        ...{ createdAt: new Date(start + i), updatedAt: new Date(start + i) },
      });
    });
    for (let i = 0; i < rows.length; i += 200) await repository.insert(rows.slice(i, i + 200));

    const cancelled = await bulk(erin, 'cancel', { filter: { status: 'pending' }, max: 10_000 }).expect(200);
    expect(cancelled.body).toMatchObject({ matched: 2500, affected: 2500 });
    expect(await repository.countBy({ ownerId: erin.principal.id, status: 'cancelled' })).toBe(2500);
    expect(await dataSource(t.app).getRepository(AuditEvent).countBy({ actorId: erin.principal.id, action: 'execution.cancel' })).toBe(
      2500,
    );

    const retried = await bulk(erin, 'retry', { filter: { task_name: 'demo.add' }, max: 1200 }).expect(200);
    expect(retried.body).toMatchObject({ matched: 2500, affected: 1200 });
    const originals = await repository.find({ where: { ownerId: erin.principal.id, retriedFrom: Not(IsNull()) } });
    expect(originals).toHaveLength(1200);
    // The oldest 1200, each retried once.
    expect(new Set(originals.map((retry) => retry.retriedFrom))).toEqual(new Set(rows.slice(0, 1200).map((row) => row.id)));
  }, 120_000);

  it('the single cancel keeps its route: POST /executions/{id}/cancel', async () => {
    const id = await delayed(alice, uniqueName('single'));
    const { body } = await t.http().post(`/api/v1/executions/${id}/cancel`).set('Authorization', alice.auth).expect(202);
    expect(body).toMatchObject({ id, status: 'cancelled' });
  });
});

/** Each retry a bulk retry makes counts toward the token's execute rate limit, as single retries do. */
describe('bulk retry and the execute rate limit (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_EXECUTE: '8' } });
  });

  afterAll(() => t?.close());

  it('counts every retry, and refuses (429) before making any when they would pass the limit', async () => {
    const dave = await createCaller(t.app, { permissions: ['demo.run'] });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { body } = await t
        .http()
        .post('/api/v1/tasks/execute')
        .set('Authorization', dave.auth)
        .send({ task_name: 'demo.fail', kwargs: { message: 'x' } })
        .expect(202);
      ids.push(body.execution_id);
    }
    for (const id of ids) await waitForExecution(t, dave.auth, id);
    const retried = await t.http().post('/api/v1/executions/retry').set('Authorization', dave.auth).send({ filter: {} }).expect(200);
    expect(retried.body).toMatchObject({ matched: 3, affected: 3 }); // 3 executes + 3 retries: 6 of 8
    for (const id of retried.body.execution_ids) await waitForExecution(t, dave.auth, id);
    const records = () => dataSource(t.app).getRepository(Execution).countBy({ ownerId: dave.principal.id });
    const before = await records();
    const refused = await t.http().post('/api/v1/executions/retry').set('Authorization', dave.auth).send({ filter: {} }).expect(429);
    expect(refused.headers['retry-after']).toBeDefined();
    expect(await records()).toBe(before);
  });
});
