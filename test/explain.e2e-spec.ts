import { AuditEvent } from '../src/audit/audit-event.entity';
import { PrincipalsService } from '../src/auth/principals.service';
import { Execution } from '../src/executions/execution.entity';
import { addToken, createCaller, dataSource, TestCaller, uniqueName } from './support/factories';
import { FixtureTasksModule } from './support/fixture-tasks';
import { createTestApp, TestApp } from './support/test-app';

/** A grant as a case sets it up: to the case's principal, or to a group it is made a member of. */
interface GrantSpec {
  permission: string;
  conditions?: object;
  approval?: object;
  group?: boolean;
}

interface Case {
  name: string;
  grants?: GrantSpec[];
  admin?: boolean;
  scopes?: string[];
  task: string;
  kwargs?: object;
  outcome: 'run' | 'approval' | 'denied';
  /** Per permission, in the task's order: `via` (`group` stands for the case's group) and the reason's words. */
  permissions?: Array<{ outcome: string; via: string | null; reason?: RegExp }>;
}

const A_AT_MOST_10 = { 'kwargs.a': { $lte: 10 } };
const A_AT_MOST_1000 = { 'kwargs.a': { $lte: 1000 } };

/**
 * POST /tasks/explain (SPEC 7.12) against execute, case by case: the same caller and request get
 * `run` exactly when execute answers 202 pending, `approval` exactly when it answers 202
 * awaiting_approval, `denied` exactly when it answers 403; and the execution records the grants
 * explain named. Explain itself writes nothing. The suite runs on SQLite and PostgreSQL.
 */
describe('POST /tasks/explain (e2e)', () => {
  let t: TestApp;
  let admin: TestCaller;
  let approvers: string;

  beforeAll(async () => {
    t = await createTestApp({ taskModules: [FixtureTasksModule], env: { RATE_LIMIT_EXECUTE: '0' } });
    admin = await createCaller(t.app, { isAdmin: true });
    approvers = uniqueName('approvers');
    await t.app.get(PrincipalsService).createGroup(approvers);
    // Another principal's grant, whose values no answer to anyone else may show.
    const other = await createCaller(t.app);
    await grantTo({ principal_id: other.principal.id }, { permission: 'demo.run', conditions: { 'kwargs.a': { $lte: 777_321 } } });
  });

  afterAll(() => t?.close());

  const http = () => t.http();
  const approval = () => ({ group: approvers, quorum: 2, timeout: '1h' });

  const CASES: Case[] = [
    {
      name: 'no grant',
      task: 'demo.add',
      outcome: 'denied',
      permissions: [{ outcome: 'denied', via: null, reason: /no grant of demo\.run/ }],
    },
    {
      name: 'a direct grant',
      grants: [{ permission: 'demo.run' }],
      task: 'demo.add',
      outcome: 'run',
      permissions: [{ outcome: 'run', via: 'direct' }],
    },
    {
      name: 'a grant through a group',
      grants: [{ permission: 'demo.run', group: true }],
      task: 'demo.add',
      outcome: 'run',
      permissions: [{ outcome: 'run', via: 'group' }],
    },
    {
      name: 'an admin',
      admin: true,
      task: 'fx.both',
      outcome: 'run',
      permissions: [
        { outcome: 'run', via: 'admin' },
        { outcome: 'run', via: 'admin' },
      ],
    },
    {
      name: 'a token whose scopes leave the permission out',
      grants: [{ permission: 'demo.run' }, { permission: 'fx.alpha' }],
      scopes: ['fx.alpha'],
      task: 'demo.add',
      outcome: 'denied',
      permissions: [{ outcome: 'denied', via: null, reason: /scopes do not include demo\.run/ }],
    },
    {
      name: 'an admin token narrowed by scopes',
      admin: true,
      scopes: ['fx.alpha'],
      task: 'fx.both',
      outcome: 'denied',
      permissions: [
        { outcome: 'run', via: 'admin' },
        { outcome: 'denied', via: null, reason: /scopes/ },
      ],
    },
    {
      name: 'conditions met',
      grants: [{ permission: 'demo.run', conditions: A_AT_MOST_10 }],
      task: 'demo.add',
      kwargs: { a: 5, b: 1 },
      outcome: 'run',
      permissions: [{ outcome: 'run', via: 'direct' }],
    },
    {
      name: 'conditions failed',
      grants: [{ permission: 'demo.run', conditions: A_AT_MOST_10 }],
      task: 'demo.add',
      kwargs: { a: 50, b: 1 },
      outcome: 'denied',
      permissions: [{ outcome: 'denied', via: null, reason: /do not match: kwargs\.a$/ }],
    },
    {
      name: 'only a grant with approval',
      grants: [{ permission: 'demo.run', approval: {} }],
      task: 'demo.add',
      outcome: 'approval',
      permissions: [{ outcome: 'approval', via: 'direct', reason: /2 approvals from group/ }],
    },
    ...[
      { a: 5, outcome: 'run' as const },
      { a: 500, outcome: 'approval' as const },
      { a: 5000, outcome: 'denied' as const },
    ].map(({ a, outcome }) => ({
      name: `small at once, big after approval, bigger never: a=${a}`,
      grants: [
        { permission: 'demo.run', conditions: A_AT_MOST_10 },
        { permission: 'demo.run', conditions: A_AT_MOST_1000, approval: {}, group: true },
      ],
      task: 'demo.add',
      kwargs: { a, b: 1 },
      outcome,
      permissions: [{ outcome, via: outcome === 'run' ? 'direct' : outcome === 'approval' ? 'group' : null }],
    })),
    {
      name: 'one permission at once and the other through approval',
      grants: [{ permission: 'fx.alpha' }, { permission: 'fx.beta', approval: {} }],
      task: 'fx.both',
      outcome: 'approval',
      permissions: [
        { outcome: 'run', via: 'direct' },
        { outcome: 'approval', via: 'direct' },
      ],
    },
    {
      name: 'one permission of two',
      grants: [{ permission: 'fx.alpha' }],
      task: 'fx.both',
      outcome: 'denied',
      permissions: [
        { outcome: 'run', via: 'direct' },
        { outcome: 'denied', via: null, reason: /no grant of fx\.beta/ },
      ],
    },
    { name: 'a public task', task: 'fx.open', outcome: 'run', permissions: [] },
  ];

  it.each(CASES)('agrees with execute: $name', async (spec) => {
    const { caller, group } = await setUp(spec);
    const request = { task_name: spec.task, kwargs: spec.kwargs ?? (spec.task === 'demo.add' ? { a: 1, b: 1 } : {}) };
    const before = await writes();
    const explained = await http().post('/api/v1/tasks/explain').set('Authorization', caller.auth).send(request).expect(200);
    expect(await writes()).toEqual(before);
    expect(explained.body.outcome).toBe(spec.outcome);
    expect(explained.body.permissions).toHaveLength(spec.permissions!.length);
    spec.permissions!.forEach((expected, index) => {
      const entry = explained.body.permissions[index];
      expect(entry.outcome).toBe(expected.outcome);
      expect(entry.via).toBe(expected.via === 'group' ? `group:${group}` : expected.via);
      if (expected.reason) expect(entry.reason).toMatch(expected.reason);
      expect(entry.grant_id === null).toBe(expected.via === null || expected.via === 'admin');
    });
    expect(JSON.stringify(explained.body)).not.toContain('777321');

    const executed = await http().post('/api/v1/tasks/execute').set('Authorization', caller.auth).send(request);
    const statusOf = { run: [202, 'pending'], approval: [202, 'awaiting_approval'], denied: [403, undefined] } as const;
    expect([executed.status, executed.body.status]).toEqual(statusOf[spec.outcome]);
    if (spec.outcome === 'denied') return;
    const record = await dataSource(t.app).getRepository(Execution).findOneByOrFail({ id: executed.body.execution_id });
    expect(record.authorizedBy).toEqual(
      explained.body.permissions.map(({ permission, grant_id, via }: Record<string, unknown>) => ({ permission, grant_id, via })),
    );
    const shown = await http().get(`/api/v1/executions/${record.id}`).set('Authorization', caller.auth).expect(200);
    expect(shown.body.authorized_by).toEqual(record.authorizedBy);
  });

  it('checks the kwargs as execute does: a 400 when it would run, the refusal first when it would not', async () => {
    const allowed = (await setUp({ grants: [{ permission: 'demo.run' }] } as Case)).caller;
    const refused = (await setUp({} as Case)).caller;
    const bad = { task_name: 'demo.add', kwargs: { a: 'x', b: 1 } };
    for (const route of ['explain', 'execute']) {
      const answer = await http().post(`/api/v1/tasks/${route}`).set('Authorization', allowed.auth).send(bad).expect(400);
      expect(JSON.stringify(answer.body.message)).toContain('a');
    }
    const explained = await http().post('/api/v1/tasks/explain').set('Authorization', refused.auth).send(bad).expect(200);
    expect(explained.body.outcome).toBe('denied');
    await http().post('/api/v1/tasks/execute').set('Authorization', refused.auth).send(bad).expect(403);
  });

  it('answers 404 for an unknown task, 400 for a malformed body, 401 without a token', async () => {
    await http().post('/api/v1/tasks/explain').set('Authorization', admin.auth).send({ task_name: 'no.such' }).expect(404);
    await http().post('/api/v1/tasks/explain').set('Authorization', admin.auth).send({}).expect(400);
    await http().post('/api/v1/tasks/explain').set('Authorization', admin.auth).send({ task_name: 'demo.add', priority: 5 }).expect(400);
    await http().post('/api/v1/tasks/explain').send({ task_name: 'demo.add' }).expect(401);
  });

  it('shows the caller its own grants on /me and the approvals they wait for in the catalog', async () => {
    const spec = {
      grants: [
        { permission: 'demo.run', conditions: A_AT_MOST_10 },
        { permission: 'demo.run', approval: {}, group: true },
      ],
    } as Case;
    const { caller, group } = await setUp(spec);
    const me = await http().get('/api/v1/me').set('Authorization', caller.auth).expect(200);
    expect(me.body.grants).toEqual([
      expect.objectContaining({ permission: 'demo.run', via: 'direct', conditions: A_AT_MOST_10, approval: null }),
      expect.objectContaining({ permission: 'demo.run', via: `group:${group}`, conditions: null, approval: approval() }),
    ]);
    expect(JSON.stringify(me.body)).not.toContain('777321');
    const catalog = await http().get('/api/v1/tasks/catalog').set('Authorization', caller.auth).expect(200);
    const add = (catalog.body as Array<{ task_name: string; reason: string }>).find((entry) => entry.task_name === 'demo.add')!;
    expect(add.reason).toContain(`demo.run after 2 approval(s) from group ${approvers}`);
  });

  /** What a request could write: executions and audit rows. */
  async function writes(): Promise<number[]> {
    const source = dataSource(t.app);
    return [await source.getRepository(Execution).count(), await source.getRepository(AuditEvent).count()];
  }

  async function setUp(spec: Case): Promise<{ caller: TestCaller; group: string }> {
    const group = uniqueName('explain');
    const principals = t.app.get(PrincipalsService);
    const created = await principals.createGroup(group);
    let caller = await createCaller(t.app, { isAdmin: spec.admin ?? false, groups: [group] });
    for (const grant of spec.grants ?? []) {
      const holder = grant.group ? { group_id: created.id } : { principal_id: caller.principal.id };
      await grantTo(holder, { ...grant, ...(grant.approval ? { approval: approval() } : {}) });
    }
    if (spec.scopes) caller = await addToken(t.app, caller, spec.scopes);
    return { caller, group };
  }

  async function grantTo(holder: object, grant: GrantSpec): Promise<void> {
    const { permission, conditions, approval } = grant;
    const answer = await http()
      .post('/api/v1/admin/grants')
      .set('Authorization', admin.auth)
      .send({ ...holder, permission, ...(conditions ? { conditions } : {}), ...(approval ? { approval } : {}) });
    expect([answer.status, answer.body.message]).toEqual([201, undefined]);
  }
});
