import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditEvent } from '../src/audit/audit-event.entity';
import { PrincipalsService } from '../src/auth/principals.service';
import { Execution } from '../src/executions/execution.entity';
import { addToken, createCaller, dataSource, insertExecution, TestCaller, uniqueName } from './support/factories';
import { runCli } from './support/processes';
import { createTestApp, TestApp } from './support/test-app';
import { testDatabaseUrl, testRedisUrl } from './support/test-config';
import { pollUntil } from './support/wait-for';

const A_AT_MOST_10 = { 'kwargs.a': { $lte: 10 } };

/** Conditions on grants (SPEC 7.7, issue 18 part 1), on the real AppModule; the suite runs on SQLite and PostgreSQL. */
describe('grant conditions (e2e)', () => {
  const storage = mkdtempSync(join(tmpdir(), 'taskgate-conditions-'));
  // The CLI shares the app's database, Redis and prefix, so its grants reach the app's caller cache.
  const env = {
    DATABASE_URL: testDatabaseUrl(),
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: `tgtest-${randomBytes(5).toString('hex')}`,
    STORAGE_DIR: storage,
    RATE_LIMIT_EXECUTE: '0',
  };
  let t: TestApp;
  let admin: TestCaller;
  let alice: TestCaller;
  let bob: TestCaller;

  beforeAll(async () => {
    t = await createTestApp({ env });
    admin = await createCaller(t.app, { isAdmin: true });
    alice = await createCaller(t.app);
    bob = await createCaller(t.app);
    await grant(alice, 'demo.run', A_AT_MOST_10);
    // Another principal's conditions, which no answer to alice may show.
    await grant(bob, 'demo.run', { 'kwargs.a': { $lte: 777_321 } });
  });

  afterAll(() => t?.close());

  const http = () => t.http();
  const grantBody = (holder: TestCaller, permission: string, conditions?: object | null) => ({
    principal_id: holder.principal.id,
    permission,
    ...(conditions === undefined ? {} : { conditions }),
  });
  async function grant(holder: TestCaller, permission: string, conditions?: object | null): Promise<Record<string, unknown>> {
    const answer = await http()
      .post('/api/v1/admin/grants')
      .set('Authorization', admin.auth)
      .send(grantBody(holder, permission, conditions));
    expect([answer.status, answer.body.message]).toEqual([201, undefined]);
    return answer.body as Record<string, unknown>;
  }
  const execute = (caller: TestCaller, kwargs: object, extra: object = {}) =>
    http()
      .post('/api/v1/tasks/execute')
      .set('Authorization', caller.auth)
      .send({ task_name: 'demo.add', kwargs, ...extra });
  const retry = (caller: TestCaller, id: string) => http().post(`/api/v1/executions/${id}/retry`).set('Authorization', caller.auth);
  const failedAdd = (owner: TestCaller, a: number, resource?: string) =>
    insertExecution(t.app, owner.principal.id, { status: 'failed', kwargs: { a, b: 1 }, resource: resource ?? null, error: 'boom' });

  it('lets a=5 through and refuses a=50 with a 403 naming the permission and only the caller’s own conditions', async () => {
    await execute(alice, { a: 5, b: 1 }).expect(202);
    const refused = await execute(alice, { a: 50, b: 1 }).expect(403);
    expect(refused.body.message).toContain('permission demo.run: your grant allows it only when kwargs.a <= 10');
    expect(JSON.stringify(refused.body)).not.toContain('777321');
    expect(JSON.stringify(refused.body)).not.toContain('50');
    const denial = await dataSource(t.app)
      .getRepository(AuditEvent)
      .findOneByOrFail({ actorId: alice.principal.id, action: 'execution.execute_denied' });
    expect(denial.details).toEqual({ unmet_conditions: ['demo.run'] });
    // bob's own grant covers 50.
    await execute(bob, { a: 50, b: 1 }).expect(202);
    // The grant is narrowed to requests with a <= 10: demo.sleep's (also demo.run, no `a`) do not meet it.
    await http()
      .post('/api/v1/tasks/execute')
      .set('Authorization', alice.auth)
      .send({ task_name: 'demo.sleep', kwargs: { ms: 1 } })
      .expect(403);
  });

  it('refuses through the Celery seed route too', async () => {
    await http()
      .post('/api/tasks/execute/')
      .set('Authorization', `Token ${alice.secret}`)
      .send({ task_name: 'demo.add', kwargs: { a: 50, b: 1 } })
      .expect(403);
    await http()
      .post('/api/tasks/execute/')
      .set('Authorization', `Token ${alice.secret}`)
      .send({ task_name: 'demo.add', kwargs: { a: 5, b: 1 } })
      .expect(202);
  });

  it('checks each batch item on its own', async () => {
    const answer = await http()
      .post('/api/v1/tasks/execute-batch')
      .set('Authorization', alice.auth)
      .send({
        items: [
          { task_name: 'demo.add', kwargs: { a: 5, b: 1 } },
          { task_name: 'demo.add', kwargs: { a: 50, b: 1 } },
        ],
      })
      .expect(200);
    expect(answer.body.accepted).toBe(1);
    expect(answer.body.results.map((item: { status: number }) => item.status)).toEqual([202, 403]);
    expect(answer.body.results[1].error).toContain('permission demo.run');
  });

  it('applies conditions to resource, and a scoped token keeps them', async () => {
    const carol = await createCaller(t.app);
    await grant(carol, 'demo.run', { resource: { $in: ['eu', 'us'] } });
    await execute(carol, { a: 1, b: 1 }, { resource: 'eu' }).expect(202);
    await execute(carol, { a: 1, b: 1 }, { resource: 'asia' }).expect(403);
    await execute(carol, { a: 1, b: 1 }).expect(403);
    const scoped = await addToken(t.app, carol, ['demo.run']);
    await execute(scoped, { a: 1, b: 1 }, { resource: 'us' }).expect(202);
    await execute(scoped, { a: 1, b: 1 }, { resource: 'asia' }).expect(403);
  });

  it('counts grants through groups: any one matching grant is enough', async () => {
    const group = uniqueName('big');
    await t.app.get(PrincipalsService).createGroup(group);
    await t.app.get(PrincipalsService).grant(group, ['demo.run'], { conditions: { 'kwargs.a': { $gte: 100 } } });
    const dave = await createCaller(t.app, { groups: [group] });
    await execute(dave, { a: 150, b: 1 }).expect(202);
    await execute(dave, { a: 5, b: 1 }).expect(403);
    await grant(dave, 'demo.run', A_AT_MOST_10);
    await execute(dave, { a: 5, b: 1 }).expect(202);
    const refused = await execute(dave, { a: 50, b: 1 }).expect(403);
    // Either grant would do: both are named, in no particular order.
    expect(refused.body.message).toMatch(
      /your grants allow it only when (kwargs\.a >= 100, or when kwargs\.a <= 10|kwargs\.a <= 10, or when kwargs\.a >= 100)$/,
    );
    // An unconditional grant, direct or through a group, lifts the conditions.
    await t.app.get(PrincipalsService).grant(group, ['demo.run']);
    await execute(dave, { a: 50, b: 1 }).expect(202);
  });

  it('checks a retry with the grants as they are now; the execution stays visible whatever they say', async () => {
    const erin = await createCaller(t.app);
    await grant(erin, 'demo.run', A_AT_MOST_10);
    const original = await failedAdd(erin, 5);
    const changed = await grant(erin, 'demo.run', { 'kwargs.a': { $lte: 1 } });
    expect(changed.conditions).toEqual({ 'kwargs.a': { $lte: 1 } });
    const refused = await retry(erin, original.id).expect(403);
    expect(refused.body.message).toContain('kwargs.a <= 1');
    // Conditions govern running, not reading.
    await http().get(`/api/v1/executions/${original.id}`).set('Authorization', erin.auth).expect(200);
    const listed = await http().get('/api/v1/executions').set('Authorization', erin.auth).expect(200);
    expect(listed.body.items.map((item: { id: string }) => item.id)).toContain(original.id);
    const unconditional = await grant(erin, 'demo.run');
    expect(unconditional.conditions).toBeNull();
    expect(unconditional.id).toBe(changed.id);
    const retried = await retry(erin, original.id).expect(202);
    const record = await dataSource(t.app).getRepository(Execution).findOneByOrFail({ id: retried.body.execution_id });
    expect(record.retriedFrom).toBe(original.id);
    const audits = await dataSource(t.app)
      .getRepository(AuditEvent)
      .findBy({ targetId: changed.id as string, action: 'grant.update' });
    expect(audits.map((audit) => audit.details)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ conditions: null, previous: expect.objectContaining({ conditions: { 'kwargs.a': { $lte: 1 } } }) }),
      ]),
    );
  });

  it('checks each execution of a bulk retry, in the dry run too', async () => {
    const frank = await createCaller(t.app);
    await grant(frank, 'demo.run', { 'kwargs.a': { $lte: 2 } });
    const resource = uniqueName('bulk');
    const low = await failedAdd(frank, 1, resource);
    await failedAdd(frank, 5, resource);
    const bulk = (dryRun: boolean) =>
      http().post('/api/v1/executions/retry').set('Authorization', frank.auth).send({ filter: { resource }, dry_run: dryRun }).expect(200);
    expect((await bulk(true)).body).toEqual({ matched: 2, affected: 1, execution_ids: [low.id] });
    const done = (await bulk(false)).body as { matched: number; affected: number; execution_ids: string[] };
    expect([done.matched, done.affected]).toEqual([2, 1]);
    const retried = await dataSource(t.app).getRepository(Execution).findOneByOrFail({ id: done.execution_ids[0] });
    expect(retried.retriedFrom).toBe(low.id);
  });

  it('checks an upload’s resource and kwargs once its form is read, and keeps no file it refuses', async () => {
    const gina = await createCaller(t.app);
    await grant(gina, 'demo.files', { resource: 'ok' });
    const upload = (resource: string) =>
      http()
        .post('/api/v1/tasks/demo.checksum/upload')
        .set('Authorization', gina.auth)
        .field('resource', resource)
        .attach('file', Buffer.from('hello'), 'a.txt');
    await upload('ok').expect(202);
    const before = readdirSync(storage).length;
    const refused = await upload('other').expect(403);
    expect(refused.body.message).toContain('permission demo.files: your grant allows it only when resource = "ok"');
    expect(readdirSync(storage)).toHaveLength(before);
  });

  it('lets admins through whatever their grants say', async () => {
    await execute(admin, { a: 5000, b: 1 }).expect(202);
  });

  it('shows the conditions in /tasks/available, /tasks/catalog and /me (null when unconditional)', async () => {
    const hank = await createCaller(t.app, { permissions: ['demo.files'] });
    await grant(hank, 'demo.run', A_AT_MOST_10);
    const available = (await http().get('/api/v1/tasks/available').set('Authorization', hank.auth).expect(200)).body as Array<{
      task_name: string;
      conditions: Record<string, unknown>;
    }>;
    const byName = new Map(available.map((task) => [task.task_name, task]));
    expect(byName.get('demo.add')?.conditions).toEqual({ 'demo.run': [A_AT_MOST_10] });
    expect(byName.get('demo.checksum')?.conditions).toEqual({ 'demo.files': null });
    const catalog = (await http().get('/api/v1/tasks/catalog').set('Authorization', hank.auth).expect(200)).body as Array<{
      task_name: string;
      can_execute: boolean;
      reason: string;
    }>;
    const add = catalog.find((task) => task.task_name === 'demo.add')!;
    expect(add.can_execute).toBe(true);
    expect(add.reason).toContain('demo.run only when kwargs.a <= 10');
    const me = (await http().get('/api/v1/me').set('Authorization', hank.auth).expect(200)).body;
    expect(me.conditions).toEqual({ 'demo.files': null, 'demo.run': [A_AT_MOST_10] });
    const grants = (await http().get(`/api/v1/admin/grants?principal_id=${hank.principal.id}`).set('Authorization', admin.auth).expect(200))
      .body as Array<{ permission: string; conditions: unknown }>;
    expect(grants.map((row) => [row.permission, row.conditions])).toEqual([
      ['demo.files', null],
      ['demo.run', A_AT_MOST_10],
    ]);
  });

  it('refuses invalid conditions when granting through the admin API (400), writing nothing', async () => {
    const ivan = await createCaller(t.app);
    const cases: Array<[unknown, string]> = [
      [{ 'kwargs.a': { $regex: '^1' } }, 'unknown operator "$regex"'],
      [{ 'kwargs.zzz': 1 }, 'kwargs field "zzz" is in the kwargs of no task declaring demo.run'],
      ['a <= 10', 'conditions must be a JSON object'],
      [[{ 'kwargs.a': 1 }], 'conditions must be a JSON object'],
      [{ 'kwargs.a': { $lte: 'ten' } }, 'must be a number'],
      [{ $where: 'x' }, 'unknown field "$where"'],
    ];
    for (const [conditions, problem] of cases) {
      const answer = await http()
        .post('/api/v1/admin/grants')
        .set('Authorization', admin.auth)
        .send(grantBody(ivan, 'demo.run', conditions as object));
      expect(answer.status).toBe(400);
      expect(JSON.stringify(answer.body.message)).toContain(problem.replace(/"/g, '\\"'));
    }
    const grants = await http().get(`/api/v1/admin/grants?principal_id=${ivan.principal.id}`).set('Authorization', admin.auth).expect(200);
    expect(grants.body).toEqual([]);
  });

  it('grants with --where on the command line, and refuses invalid conditions with a message and exit 1', async () => {
    const judy = await createCaller(t.app);
    const cli = (...args: string[]) => runCli(env, ...args);
    const granted = cli('grant', judy.principal.name, 'demo.run', '--where', JSON.stringify(A_AT_MOST_10));
    expect(granted.stderr).toBe('');
    expect(granted.status).toBe(0);
    expect(granted.stdout).toContain('granted demo.run to');
    await execute(judy, { a: 5, b: 1 }).expect(202);
    await execute(judy, { a: 50, b: 1 }).expect(403);
    for (const [where, message] of [
      ['{"kwargs.a": {"$regex": "1"}}', 'unknown operator "$regex"'],
      ['{"kwargs.zzz": 1}', 'kwargs field "zzz" is in the kwargs of no task declaring demo.run'],
      ['[1]', 'conditions must be a JSON object'],
      ['not json', '--where must be JSON'],
    ]) {
      const refused = cli('grant', judy.principal.name, 'demo.run', '--where', where);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain(message);
    }
    const two = cli('grant', judy.principal.name, 'demo.run', 'demo.files', '--where', '{"resource": "x"}');
    expect(two.status).toBe(1);
    expect(two.stderr).toContain('exactly one permission');
    // Granting again without --where makes the grant unconditional; the app hears of it through Redis.
    expect(cli('grant', judy.principal.name, 'demo.run').status).toBe(0);
    const me = () => http().get('/api/v1/me').set('Authorization', judy.auth);
    await pollUntil(me, (answer) => answer.body.conditions?.['demo.run'] === null, { timeoutMs: 5000, intervalMs: 50 });
    await execute(judy, { a: 50, b: 1 }).expect(202);
  });
});
