import { In } from 'typeorm';
import { AuditEvent } from '../src/audit/audit-event.entity';
import { PrincipalsService } from '../src/auth/principals.service';
import { Execution } from '../src/executions/execution.entity';
import { addToken, createCaller, dataSource, TestCaller, uniqueName } from './support/factories';
import { FixtureTasksModule } from './support/fixture-tasks';
import { createTestApp, TestApp } from './support/test-app';
import { waitForExecution } from './support/wait-for';

const BATCH = '/api/v1/tasks/execute-batch';
const RATE_LIMIT = 1000;

const add = (a: number, b: number, extra: Record<string, unknown> = {}) => ({ task_name: 'demo.add', kwargs: { a, b }, ...extra });

describe('POST /tasks/execute-batch (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ taskModules: [FixtureTasksModule], env: { BODY_LIMIT: '256kb', RATE_LIMIT_EXECUTE: String(RATE_LIMIT) } });
  });

  afterAll(() => t.close());

  const batch = (caller: TestCaller | null, body: unknown) => {
    const call = t.http().post(BATCH);
    return (caller ? call.set('Authorization', caller.auth) : call).send(body as object);
  };
  const executions = () => dataSource(t.app).getRepository(Execution);
  const audits = () => dataSource(t.app).getRepository(AuditEvent);
  const recordsOf = (caller: TestCaller) => executions().findBy({ ownerId: caller.principal.id });
  const runner = () => createCaller(t.app, { permissions: ['demo.run', 'fx.alpha'] });

  it('answers each item as it would have been answered alone, in item order, and writes and runs only the accepted ones', async () => {
    const caller = await runner();
    const earlier = await batch(caller, { items: [add(1, 1, { idempotency_key: 'k-taken' })] }).expect(200);
    const response = await batch(caller, {
      items: [
        add(2, 3, { resource: 'batch-1' }),
        { task_name: 'fx.both' }, // needs fx.beta too
        { task_name: 'no.such_task' },
        { task_name: 'demo.add', kwargs: { a: 'two', b: 3 } },
        add(1, 2, { idempotency_key: 'k-taken' }), // the key was used with other kwargs
        add(1, 1, { idempotency_key: 'k-taken' }), // the same item again: a replay
        add(5, 5, { priority: 101, owner_id: 'x' }),
        { task_name: 'fx.bounded', timeout_ms: 120_000 },
        add(10, 20, { idempotency_key: 'k-new', priority: 90 }),
        add(10, 20, { idempotency_key: 'k-new', priority: 90 }), // repeated within the batch: the same execution
        add(10, 21, { idempotency_key: 'k-new' }), // repeated with another body: a conflict
      ],
    }).expect(200);

    const { results } = response.body;
    expect(results.map((result: { index: number }) => result.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(results.map((result: { status: number }) => result.status)).toEqual([202, 403, 404, 400, 409, 202, 400, 400, 202, 202, 409]);
    expect(response.body).toMatchObject({ accepted: 4, rejected: 7 });
    expect(results[1].error).toMatch(/missing: fx\.beta/);
    expect(results[2].error).toBe('task "no.such_task" is not registered');
    expect(results[3].error).toEqual([expect.stringMatching(/^kwargs\.a: /)]);
    expect(results[4].error).toMatch(/already used with a different request/);
    expect(results[5].execution_id).toBe(earlier.body.results[0].execution_id);
    expect(results[6].error).toEqual(expect.arrayContaining([expect.stringMatching(/owner_id/), expect.stringMatching(/^priority/)]));
    expect(results[7].error).toEqual(['timeout_ms must not exceed 60000, the maximum of task "fx.bounded"']);
    expect(results[9].execution_id).toBe(results[8].execution_id);
    for (const index of [1, 2, 3, 4, 6, 7, 10]) expect(results[index].execution_id).toBeUndefined();
    for (const index of [0, 5, 8]) expect(results[index].error).toBeUndefined();

    // Written: the earlier one, and the two new ones; nothing for a refused item.
    const written = await recordsOf(caller);
    expect(written.map((record) => record.id).sort()).toEqual(
      [earlier.body.results[0].execution_id, results[0].execution_id, results[8].execution_id].sort(),
    );
    const first = await waitForExecution(t, caller.auth, results[0].execution_id);
    expect(first).toMatchObject({ status: 'completed', result: 5, resource: 'batch-1', owner_id: caller.principal.id });
    const keyed = await waitForExecution(t, caller.auth, results[8].execution_id);
    expect(keyed).toMatchObject({ status: 'completed', result: 30, priority: 90, idempotency_key: 'k-new' });

    // Audited as single executes are: one row per accepted execution, one per refusal for lack of permission.
    const rows = await audits().findBy({ actorId: caller.principal.id });
    expect(rows.filter((row) => row.action === 'execution.execute').map((row) => row.targetId)).toEqual(
      expect.arrayContaining([results[0].execution_id, results[8].execution_id]),
    );
    expect(rows.filter((row) => row.action === 'execution.execute').length).toBe(3);
    const denied = rows.filter((row) => row.action === 'execution.execute_denied');
    expect(denied).toEqual([
      expect.objectContaining({
        targetType: 'task',
        targetId: 'fx.both',
        details: { missing_permissions: ['fx.beta'] },
        tokenId: caller.token.id,
      }),
    ]);
  });

  it('replays a key first used by a single execute with its Idempotency-Key header, and conflicts with another body', async () => {
    const caller = await runner();
    const single = await t
      .http()
      .post('/api/v1/tasks/execute')
      .set('Authorization', caller.auth)
      .set('Idempotency-Key', 'shared')
      .send(add(4, 4))
      .expect(202);
    const response = await batch(caller, {
      items: [add(4, 4, { idempotency_key: 'shared' }), add(4, 5, { idempotency_key: 'shared' })],
    }).expect(200);
    expect(response.body.results).toEqual([
      { index: 0, status: 202, execution_id: single.body.execution_id },
      { index: 1, status: 409, error: expect.stringMatching(/idempotency key/) },
    ]);
    expect(await recordsOf(caller)).toHaveLength(1);
  });

  it('gives concurrent batches with the same keys and items the same executions, written once', async () => {
    const caller = await runner();
    const items = Array.from({ length: 50 }, (_, i) => add(i, i, { idempotency_key: `race-${i}` }));
    const answers = await Promise.all(Array.from({ length: 5 }, () => batch(caller, { items })));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    const idsOf = (answer: { body: { results: Array<{ status: number; execution_id: string }> } }) =>
      answer.body.results.map((result) => `${result.status} ${result.execution_id}`);
    for (const answer of answers.slice(1)) expect(idsOf(answer)).toEqual(idsOf(answers[0]));
    expect(await recordsOf(caller)).toHaveLength(50);
  });

  it('lets a scoped token run only what its scopes allow, item by item', async () => {
    const caller = await runner();
    const scoped = await addToken(t.app, caller, ['demo.run']);
    const response = await batch(scoped, { items: [add(1, 2), { task_name: 'fx.echo' }] }).expect(200);
    expect(response.body.results.map((result: { status: number }) => result.status)).toEqual([202, 403]);
    expect(response.body.results[1].error).toMatch(/missing: fx\.alpha/);
    const written = await recordsOf(caller);
    expect(written.map((record) => record.taskName)).toEqual(['demo.add']);
    // The same batch with the unscoped token: both accepted.
    const unscoped = await batch(caller, { items: [add(1, 2), { task_name: 'fx.echo' }] }).expect(200);
    expect(unscoped.body).toMatchObject({ accepted: 2, rejected: 0 });
  });

  it('answers a batch with nothing accepted with 200 and writes nothing but the refusals’ audit rows', async () => {
    const nobody = await createCaller(t.app);
    const response = await batch(nobody, { items: [add(1, 2), { task_name: 'nope' }] }).expect(200);
    expect(response.body).toEqual({
      accepted: 0,
      rejected: 2,
      results: [
        { index: 0, status: 403, error: expect.stringMatching(/missing: demo\.run/) },
        { index: 1, status: 404, error: 'task "nope" is not registered' },
      ],
    });
    expect(await recordsOf(nobody)).toHaveLength(0);
    const rows = await audits().findBy({ actorId: nobody.principal.id });
    expect(rows.map((row) => row.action)).toEqual(['execution.execute_denied']);
  });

  describe('whole-request refusals write nothing', () => {
    it.each([
      ['no items', {}, /items/],
      ['items that are not a list', { items: { task_name: 'demo.add' } }, /items must be an array/],
      ['an empty list', { items: [] }, /items must contain at least 1 elements/],
      ['more than 1000 items', { items: Array.from({ length: 1001 }, () => add(1, 1)) }, /items must contain no more than 1000 elements/],
      ['an item that is not an object', { items: [add(1, 1), 'demo.add'] }, /each item must be an object/],
      ['an item that is a list', { items: [[add(1, 1)]] }, /each item must be an object/],
      ['a field beside items', { items: [add(1, 1)], owner_id: 'x' }, /owner_id/],
    ])('400 for %s', async (_case, body, message) => {
      const caller = await runner();
      const response = await batch(caller, body).expect(400);
      expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(JSON.stringify(response.body.message)).toMatch(message);
      expect(await recordsOf(caller)).toHaveLength(0);
    });

    it('400 for an Idempotency-Key header (keys go in the items), rather than ignoring it', async () => {
      const caller = await runner();
      const response = await t
        .http()
        .post(BATCH)
        .set('Authorization', caller.auth)
        .set('Idempotency-Key', 'k')
        .send({ items: [add(1, 1)] });
      expect(response.status).toBe(400);
      expect(response.body.message).toEqual([expect.stringMatching(/idempotency_key/)]);
      expect(await recordsOf(caller)).toHaveLength(0);
    });

    it('400 for a body that is not JSON', async () => {
      const caller = await runner();
      await t.http().post(BATCH).set('Authorization', caller.auth).set('Content-Type', 'application/json').send('{"items": [').expect(400);
    });

    it('401 without a valid token', async () => {
      await batch(null, { items: [add(1, 1)] }).expect(401);
      const response = await t
        .http()
        .post(BATCH)
        .set('Authorization', 'Bearer tgw_nope')
        .send({ items: [add(1, 1)] });
      expect(response.status).toBe(401);
    });

    it('413 for a body over BODY_LIMIT', async () => {
      const caller = await runner();
      const items = Array.from({ length: 300 }, () => add(1, 1, { resource: 'r'.repeat(250), args: ['x'.repeat(700)] }));
      const response = await batch(caller, { items }).expect(413);
      expect(response.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
      expect(await recordsOf(caller)).toHaveLength(0);
    });
  });

  it('accepts 1000 items, writing each with its audit row and running them all', async () => {
    const caller = await runner();
    const items = Array.from({ length: 1000 }, (_, i) => add(i, 1, { idempotency_key: `big-${i}` }));
    const response = await batch(caller, { items }).expect(200);
    expect(response.body).toMatchObject({ accepted: 1000, rejected: 0 });
    const ids: string[] = response.body.results.map((result: { execution_id: string }) => result.execution_id);
    expect(new Set(ids).size).toBe(1000);
    expect(await executions().countBy({ id: In(ids) })).toBe(1000);
    expect(await audits().countBy({ action: 'execution.execute', targetId: In(ids) })).toBe(1000);
    const last = await waitForExecution(t, caller.auth, ids[999], undefined, 60_000);
    expect(last).toMatchObject({ status: 'completed', result: 1000 });
    await waitForExecution(t, caller.auth, ids[0], undefined, 60_000);
    // Counted as 1000 executions toward the rate limit: the token has none left this minute.
    await t.http().post('/api/v1/tasks/execute').set('Authorization', caller.auth).send(add(1, 1)).expect(429);
  }, 90_000);

  it('counts every item toward the execute rate limit, and refuses a batch that would go over it whole', async () => {
    const caller = await runner();
    await batch(caller, { items: Array.from({ length: 600 }, () => add(1, 1)) }).expect(200);
    const over = await batch(caller, { items: Array.from({ length: 401 }, () => add(1, 1)) }).expect(429);
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    expect(over.body).toMatchObject({ statusCode: 429, message: expect.stringMatching(/RATE_LIMIT_EXECUTE=1000/) });
    expect(await recordsOf(caller)).toHaveLength(600);
    // The refused batch took nothing: exactly the rest still fits, then nothing does.
    const rest = await batch(caller, { items: Array.from({ length: 400 }, () => add(1, 1)) }).expect(200);
    expect(rest.headers['x-ratelimit-remaining']).toBe('0');
    await batch(caller, { items: [add(1, 1)] }).expect(429);
    await t.http().post('/api/v1/tasks/execute').set('Authorization', caller.auth).send(add(1, 1)).expect(429);
    // Per token: another token of the same principal has its own count.
    await batch(await addToken(t.app, caller), { items: [add(1, 1), add(2, 2)] }).expect(200);
  });
});

describe('POST /tasks/execute-batch while the queue is down (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    // Nothing listens on port 1: every enqueue fails (and the rate limit fails open).
    t = await createTestApp({ env: { REDIS_URL: 'redis://127.0.0.1:1', ROLE: 'api' } });
  });

  afterAll(() => t.close());

  it('answers 503 as a whole: nothing accepted, nothing left pending, each record saying why', async () => {
    const caller = await createCaller(t.app, { permissions: ['demo.run'] });
    const response = await t
      .http()
      .post(BATCH)
      .set('Authorization', caller.auth)
      .send({ items: [add(1, 2), add(3, 4, { idempotency_key: 'k-1' }), { task_name: 'nope' }] })
      .expect(503);
    expect(response.body).toMatchObject({
      statusCode: 503,
      error: 'Service Unavailable',
      message: expect.stringMatching(/queue is unavailable/),
    });
    const records = await dataSource(t.app).getRepository(Execution).findBy({ ownerId: caller.principal.id });
    expect(records).toHaveLength(2);
    for (const record of records) {
      expect(record).toMatchObject({ status: 'failed', error: expect.stringMatching(/^could not enqueue: /), idempotencyKey: null });
    }
  });
  it('leaves none of a refused batch awaiting approval either (SPEC 7.11)', async () => {
    const principals = t.app.get(PrincipalsService);
    const group = uniqueName('approvers');
    await principals.createGroup(group);
    const caller = await createCaller(t.app);
    // Small sums run at once; the others wait for approval.
    await principals.grant(caller.principal.name, ['demo.run'], { conditions: { 'kwargs.a': { $lt: 10 } } });
    await principals.grant(caller.principal.name, ['demo.run'], { approval: { group, quorum: 1, timeout: '24h' } });
    await t
      .http()
      .post(BATCH)
      .set('Authorization', caller.auth)
      .send({ items: [add(1, 2), add(50, 1)] })
      .expect(503);
    const records = await dataSource(t.app).getRepository(Execution).findBy({ ownerId: caller.principal.id });
    expect(records.map((record) => record.status)).toEqual(['failed', 'failed']);
  });
});
