import { PrincipalsService } from '../src/auth/principals.service';
import { Execution } from '../src/executions/execution.entity';
import { createCaller, dataSource, TestCaller } from './support/factories';
import { FixtureTasksModule } from './support/fixture-tasks';
import { createTestApp, TestApp } from './support/test-app';
import { waitForExecution } from './support/wait-for';

describe('POST /tasks/execute and GET /executions/{id} (e2e)', () => {
  let t: TestApp;
  let runner: TestCaller;
  let admin: TestCaller;

  beforeAll(async () => {
    t = await createTestApp({ taskModules: [FixtureTasksModule], env: { BODY_LIMIT: '4kb' } });
    runner = await createCaller(t.app, { permissions: ['demo.run', 'fx.alpha'] });
    admin = await createCaller(t.app, { isAdmin: true });
  });

  afterAll(() => t.close());

  const execute = (caller: TestCaller, body: unknown) =>
    t
      .http()
      .post('/api/v1/tasks/execute')
      .set('Authorization', caller.auth)
      .send(body as object);
  const recordsOf = (caller: TestCaller) => dataSource(t.app).getRepository(Execution).countBy({ ownerId: caller.principal.id });

  it('runs demo.add to completion with result, timings and progress 100', async () => {
    const accepted = await execute(runner, { task_name: 'demo.add', kwargs: { a: 2, b: 3 }, resource: 'invoice-7' }).expect(202);
    expect(accepted.body).toEqual({
      execution_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      job_id: accepted.body.execution_id,
      status: 'pending',
      message: expect.stringContaining('demo.add'),
    });
    const done = await waitForExecution(t, runner.auth, accepted.body.execution_id);
    expect(done).toMatchObject({
      id: accepted.body.execution_id,
      task_name: 'demo.add',
      status: 'completed',
      result: 5,
      progress: 100,
      kwargs: { a: 2, b: 3 },
      args: [],
      resource: 'invoice-7',
      owner_id: runner.principal.id,
      attempts: 1,
      max_attempts: 1,
      error: null,
      traceback: null,
      is_complete: true,
      queue: 'default',
    });
    const created = Date.parse(done.created_at);
    const started = Date.parse(done.started_at);
    const completed = Date.parse(done.completed_at);
    expect(created).toBeLessThanOrEqual(started);
    expect(started).toBeLessThanOrEqual(completed);
    expect(done.duration_ms).toBe(completed - started);
    expect(done.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('passes args and kwargs through to the handler', async () => {
    const accepted = await execute(runner, {
      task_name: 'fx.echo',
      args: [1, 'two', { three: 3 }],
      kwargs: { deep: { list: [1, 2] } },
    }).expect(202);
    const done = await waitForExecution(t, runner.auth, accepted.body.execution_id);
    expect(done.result).toEqual({ args: [1, 'two', { three: 3 }], kwargs: { deep: { list: [1, 2] } }, attempt: 1 });
  });

  it('records progress reported by the handler', async () => {
    const accepted = await execute(runner, { task_name: 'demo.sleep', kwargs: { ms: 300, steps: 3 } }).expect(202);
    const midway = await waitForExecution(t, runner.auth, accepted.body.execution_id, (body) => body.completed_items >= 1);
    expect(midway.stage).toBe('sleeping');
    expect(midway.total_items).toBe(3);
    const done = await waitForExecution(t, runner.auth, accepted.body.execution_id);
    expect(done).toMatchObject({
      status: 'completed',
      progress: 100,
      completed_items: 3,
      total_items: 3,
      result: { slept_ms: 300, steps: 3 },
    });
  });

  it('records a failure with the error message and a traceback', async () => {
    const accepted = await execute(runner, { task_name: 'demo.fail', kwargs: { message: 'the printer is on fire' } }).expect(202);
    const done = await waitForExecution(t, runner.auth, accepted.body.execution_id);
    expect(done).toMatchObject({ status: 'failed', error: 'the printer is on fire', is_complete: true, attempts: 1, result: null });
    expect(done.traceback).toMatch(/^Error: the printer is on fire\n\s+at /);
    expect(done.completed_at).not.toBeNull();
  });

  it('fails an execution whose result is over the size limit, saying so', async () => {
    const accepted = await execute(runner, { task_name: 'fx.huge' }).expect(202);
    const done = await waitForExecution(t, runner.auth, accepted.body.execution_id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/over the limit of 262144 \(RESULT_LIMIT\)/);
  });

  describe('rejected requests leave no record', () => {
    it.each([
      ['an unknown field', { task_name: 'demo.add', kwargs: { a: 1, b: 2 }, owner_id: 'x' }, /owner_id/],
      ['a status in the body (mass assignment)', { task_name: 'demo.add', status: 'completed' }, /status/],
      ['a missing task_name', { kwargs: {} }, /task_name/],
      ['task_name of the wrong type', { task_name: 42 }, /task_name/],
      ['args that are not a list', { task_name: 'demo.add', args: 'a' }, /args/],
      ['kwargs that are not an object', { task_name: 'demo.add', kwargs: [1] }, /kwargs/],
      ['priority out of range', { task_name: 'demo.add', priority: 101 }, /priority/],
      ['a negative delay', { task_name: 'demo.add', delay_ms: -5 }, /delay_ms/],
      ['a fractional timeout', { task_name: 'demo.add', timeout_ms: 1.5 }, /timeout_ms/],
      ['kwargs the task rejects', { task_name: 'demo.add', kwargs: { a: 'two', b: 3 } }, /kwargs\.a/],
      ['kwargs the task does not know', { task_name: 'demo.add', kwargs: { a: 1, b: 2, c: 3 } }, /kwargs\.c/],
      ['missing kwargs', { task_name: 'demo.add' }, /kwargs\.a.*|kwargs\.b/],
    ])('400 for %s, naming the field', async (_case, body, field) => {
      const before = await recordsOf(runner);
      const response = await execute(runner, body).expect(400);
      expect(response.body.statusCode).toBe(400);
      expect(response.body.error).toBe('Bad Request');
      expect(JSON.stringify(response.body.message)).toMatch(field);
      expect(await recordsOf(runner)).toBe(before);
    });

    it('400 for a body that is not JSON', async () => {
      const before = await recordsOf(runner);
      const response = await t
        .http()
        .post('/api/v1/tasks/execute')
        .set('Authorization', runner.auth)
        .set('Content-Type', 'application/json')
        .send('{"task_name": "demo.add",')
        .expect(400);
      expect(response.body).toEqual({ statusCode: 400, error: 'Bad Request', message: 'the body is not valid JSON' });
      expect(await recordsOf(runner)).toBe(before);
    });

    it('400 for a JSON body that is not an object', async () => {
      const response = await t
        .http()
        .post('/api/v1/tasks/execute')
        .set('Authorization', runner.auth)
        .set('Content-Type', 'application/json')
        .send('[1, 2]')
        .expect(400);
      expect(response.body.statusCode).toBe(400);
    });

    it('413 for a body over BODY_LIMIT', async () => {
      const before = await recordsOf(runner);
      const response = await execute(runner, {
        task_name: 'demo.add',
        kwargs: { a: 1, b: 2 },
        resource: 'r',
        args: ['x'.repeat(8000)],
      }).expect(413);
      expect(response.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
      expect(await recordsOf(runner)).toBe(before);
    });

    it('400 for timeout_ms above the task maximum', async () => {
      const before = await recordsOf(runner);
      const response = await execute(runner, { task_name: 'fx.bounded', timeout_ms: 120_000 }).expect(400);
      expect(response.body.message).toEqual(['timeout_ms must not exceed 60000, the maximum of task "fx.bounded"']);
      expect(await recordsOf(runner)).toBe(before);
      await execute(runner, { task_name: 'fx.bounded', timeout_ms: 30_000 }).expect(202);
    });

    it('404 for an unknown task', async () => {
      const before = await recordsOf(runner);
      const response = await execute(runner, { task_name: 'no.such_task' }).expect(404);
      expect(response.body).toEqual({ statusCode: 404, error: 'Not Found', message: 'task "no.such_task" is not registered' });
      expect(await recordsOf(runner)).toBe(before);
    });

    it('403 for a task the caller lacks a permission for, naming what is missing', async () => {
      const half = await createCaller(t.app, { permissions: ['fx.alpha'] });
      const response = await execute(half, { task_name: 'fx.both' }).expect(403);
      expect(response.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
      expect(response.body.message).toMatch(/missing: fx\.beta/);
      expect(await recordsOf(half)).toBe(0);
    });

    it('403 when the token scopes exclude a permission the principal holds', async () => {
      const scoped = await createCaller(t.app, { permissions: ['demo.run', 'fx.alpha'], scopes: ['fx.alpha'] });
      await execute(scoped, { task_name: 'demo.add', kwargs: { a: 1, b: 2 } }).expect(403);
      expect(await recordsOf(scoped)).toBe(0);
    });
  });

  it('lets a caller holding every permission run a multi-permission task, and anyone run a public one', async () => {
    const both = await createCaller(t.app, { permissions: ['fx.alpha', 'fx.beta'] });
    await execute(both, { task_name: 'fx.both' }).expect(202);
    const nobody = await createCaller(t.app);
    const accepted = await execute(nobody, { task_name: 'fx.open' }).expect(202);
    expect((await waitForExecution(t, nobody.auth, accepted.body.execution_id)).result).toBe('open');
  });

  it('lets an admin run any task without grants', async () => {
    const accepted = await execute(admin, { task_name: 'fx.both' }).expect(202);
    expect((await waitForExecution(t, admin.auth, accepted.body.execution_id)).result).toBe('ok');
  });

  describe('visibility', () => {
    it("answers another principal's execution exactly like a missing one; the admin sees it", async () => {
      const accepted = await execute(runner, { task_name: 'demo.add', kwargs: { a: 1, b: 1 } }).expect(202);
      const id = accepted.body.execution_id;
      const stranger = await createCaller(t.app, { permissions: ['demo.run'] });
      const foreign = await t.http().get(`/api/v1/executions/${id}`).set('Authorization', stranger.auth).expect(404);
      const missing = await t
        .http()
        .get('/api/v1/executions/00000000-0000-4000-8000-000000000000')
        .set('Authorization', stranger.auth)
        .expect(404);
      expect(foreign.body).toEqual({ ...missing.body, message: missing.body.message.replace('00000000-0000-4000-8000-000000000000', id) });
      const seen = await t.http().get(`/api/v1/executions/${id}`).set('Authorization', admin.auth).expect(200);
      expect(seen.body.owner_id).toBe(runner.principal.id);
    });

    it('answers 400 for a malformed id, without touching the database', async () => {
      const response = await t.http().get("/api/v1/executions/1'%20OR%201=1").set('Authorization', runner.auth).expect(400);
      expect(response.body.statusCode).toBe(400);
    });

    it('requires a token to read an execution', async () => {
      await t.http().get('/api/v1/executions/00000000-0000-4000-8000-000000000000').expect(401);
    });
  });

  describe('GET /tasks/available', () => {
    const available = async (caller: TestCaller) =>
      (await t.http().get('/api/v1/tasks/available').set('Authorization', caller.auth).expect(200)).body as Array<Record<string, any>>;

    it('lists only what the caller may execute, with the kwargs schema', async () => {
      const tasks = await available(runner);
      expect(tasks.map((task) => task.task_name)).toEqual([
        'demo.add',
        'demo.fail',
        'demo.notify',
        'demo.sleep',
        'fx.bounded',
        'fx.chatty',
        'fx.echo',
        'fx.flaky',
        'fx.huge',
        'fx.open',
        'fx.solo',
        'fx.stubborn',
      ]);
      const add = tasks.find((task) => task.task_name === 'demo.add')!;
      expect(add).toMatchObject({ description: expect.any(String), permissions: ['demo.run'], queue: 'default', accepts_file: false });
      expect(add.kwargs_schema).toMatchObject({
        type: 'object',
        required: ['a', 'b'],
        properties: { a: { type: 'number' }, b: { type: 'number' } },
      });
    });

    it('shows a principal without grants only the public tasks', async () => {
      const nobody = await createCaller(t.app);
      expect((await available(nobody)).map((task) => task.task_name)).toEqual(['fx.open']);
    });

    it('shows an admin every task', async () => {
      const names = (await available(admin)).map((task) => task.task_name);
      expect(names).toEqual([
        'demo.add',
        'demo.checksum',
        'demo.fail',
        'demo.notify',
        'demo.sleep',
        'fx.both',
        'fx.bounded',
        'fx.chatty',
        'fx.echo',
        'fx.flaky',
        'fx.huge',
        'fx.open',
        'fx.solo',
        'fx.stubborn',
      ]);
    });

    it('follows group grants', async () => {
      const member = await createCaller(t.app);
      const principals = t.app.get(PrincipalsService);
      const group = `files-${member.principal.name}`;
      await principals.createGroup(group, ['demo.files']);
      await principals.addMember(group, member.principal.name);
      expect((await available(member)).map((task) => task.task_name)).toEqual(['demo.checksum', 'fx.open']);
    });
  });
});
