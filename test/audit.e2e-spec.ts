import { createCaller, TestCaller, uniqueName } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';
import { waitForExecution } from './support/wait-for';

const API = '/api/v1';
type AuditRow = Record<string, any>;

describe('audit log (e2e)', () => {
  let t: TestApp;
  let admin: TestCaller;
  let alice: TestCaller;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await createCaller(t.app, { isAdmin: true, name: uniqueName('auditor') });
    alice = await createCaller(t.app, { permissions: ['demo.run', 'executions.update'], name: uniqueName('alice') });
  });

  afterAll(() => t.close());

  const post = (caller: TestCaller, path: string, body: object = {}) =>
    t.http().post(`${API}${path}`).set('Authorization', caller.auth).send(body);
  const execute = (caller: TestCaller, body: object) => post(caller, '/tasks/execute', body);
  const auditPage = async (query: string): Promise<{ items: AuditRow[]; next_cursor: string | null }> =>
    (await t.http().get(`${API}/admin/audit?${query}`).set('Authorization', admin.auth).expect(200)).body;
  const rowsFor = async (action: string, targetId: string): Promise<AuditRow[]> =>
    (await auditPage(`action=${action}&limit=100`)).items.filter((row) => row.target_id === targetId);

  /** Who, with which token, from where and when: every row carries all four. */
  const expectActor = (row: AuditRow, caller: TestCaller) =>
    expect(row).toMatchObject({
      actor_id: caller.principal.id,
      actor_name: caller.principal.name,
      token_id: caller.token.id,
      client_address: expect.stringMatching(/127\.0\.0\.1|::1/),
      occurred_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });

  it('records accepted and denied executions, cancel, retry, PATCH and delete; rows outlive the execution', async () => {
    const accepted = (await execute(alice, { task_name: 'demo.add', kwargs: { a: 1, b: 2 } }).expect(202)).body;
    const [executed] = await rowsFor('execution.execute', accepted.execution_id);
    expectActor(executed, alice);
    expect(executed.details).toEqual({ task_name: 'demo.add' });

    await execute(alice, { task_name: 'demo.checksum', kwargs: {} }).expect(403);
    const [denied] = (await auditPage('action=execution.execute_denied')).items.filter((row) => row.actor_id === alice.principal.id);
    expectActor(denied, alice);
    expect(denied).toMatchObject({ target_type: 'task', target_id: 'demo.checksum', details: { missing_permissions: ['demo.files'] } });

    const delayed = (await execute(alice, { task_name: 'demo.add', kwargs: { a: 1, b: 1 }, delay_ms: 60_000 }).expect(202)).body;
    await post(alice, `/executions/${delayed.execution_id}/cancel`).expect(202);
    const [cancelled] = await rowsFor('execution.cancel', delayed.execution_id);
    expectActor(cancelled, alice);

    const retried = (await post(alice, `/executions/${delayed.execution_id}/retry`).expect(202)).body;
    const [retry] = await rowsFor('execution.retry', retried.execution_id);
    expectActor(retry, alice);
    expect(retry.details).toEqual({ task_name: 'demo.add', retried_from: delayed.execution_id });

    const patched = (await execute(alice, { task_name: 'demo.add', kwargs: { a: 2, b: 2 }, delay_ms: 60_000 }).expect(202)).body;
    await t
      .http()
      .patch(`${API}/executions/${patched.execution_id}`)
      .set('Authorization', alice.auth)
      .send({ stage: 'external', progress: 10 })
      .expect(200);
    const [update] = await rowsFor('execution.update', patched.execution_id);
    expectActor(update, alice);
    expect(update.details).toMatchObject({ stage: 'external', progress: 10, from: 'pending', to: 'pending' });

    await waitForExecution(t, alice.auth, accepted.execution_id);
    await t.http().delete(`${API}/executions/${accepted.execution_id}`).set('Authorization', alice.auth).expect(204);
    await t.http().get(`${API}/executions/${accepted.execution_id}`).set('Authorization', alice.auth).expect(404);
    expectActor((await rowsFor('execution.delete', accepted.execution_id))[0], alice);
    expect(await rowsFor('execution.execute', accepted.execution_id)).toHaveLength(1);
  });

  it('records a retry refused because the permission was taken away since', async () => {
    const bob = await createCaller(t.app, { permissions: ['demo.run'] });
    const failed = (await execute(bob, { task_name: 'demo.fail', kwargs: { message: 'boom' } }).expect(202)).body;
    await waitForExecution(t, bob.auth, failed.execution_id);
    const grants = (await t.http().get(`${API}/admin/grants?principal_id=${bob.principal.id}`).set('Authorization', admin.auth).expect(200))
      .body;
    await t.http().delete(`${API}/admin/grants/${grants[0].id}`).set('Authorization', admin.auth).expect(204);
    await post(bob, `/executions/${failed.execution_id}/retry`).expect(403);
    const [denied] = (await auditPage('action=execution.execute_denied')).items.filter((row) => row.actor_id === bob.principal.id);
    expectActor(denied, bob);
    expect(denied.details).toEqual({ missing_permissions: ['demo.run'], retried_from: failed.execution_id });
  });

  it('records principal, group, membership, grant and token changes, without any secret', async () => {
    const name = uniqueName('carol');
    const carol = (await post(admin, '/admin/principals', { name }).expect(201)).body;
    await t.http().patch(`${API}/admin/principals/${carol.id}`).set('Authorization', admin.auth).send({ disabled: true }).expect(200);
    const group = (await post(admin, '/admin/groups', { name: uniqueName('team') }).expect(201)).body;
    await t.http().put(`${API}/admin/groups/${group.id}/members/${carol.id}`).set('Authorization', admin.auth).expect(204);
    await t.http().delete(`${API}/admin/groups/${group.id}/members/${carol.id}`).set('Authorization', admin.auth).expect(204);
    const grant = (await post(admin, '/admin/grants', { permission: 'demo.run', group_id: group.id }).expect(201)).body;
    await t.http().delete(`${API}/admin/grants/${grant.id}`).set('Authorization', admin.auth).expect(204);
    const token = (await post(admin, `/admin/principals/${carol.id}/tokens`, { name: 'laptop' }).expect(201)).body;
    await post(admin, `/admin/tokens/${token.token.id}/revoke`).expect(200);
    await t.http().delete(`${API}/admin/groups/${group.id}`).set('Authorization', admin.auth).expect(204);

    const expected: Array<[string, string, object]> = [
      ['principal.create', carol.id, { name, kind: 'user', is_admin: false }],
      ['principal.update', carol.id, { name, disabled: true }],
      ['group.create', group.id, { name: group.name }],
      ['group.add_member', group.id, { group: group.name, principal: name }],
      ['group.remove_member', group.id, { group: group.name, principal: name }],
      ['grant.create', grant.id, { permission: 'demo.run', group: group.name }],
      ['grant.delete', grant.id, { permission: 'demo.run', group: group.name }],
      ['token.create', token.token.id, { principal: name, name: 'laptop' }],
      ['token.revoke', token.token.id, { name: 'laptop' }],
      ['group.delete', group.id, { name: group.name }],
    ];
    for (const [action, targetId, details] of expected) {
      const rows = await rowsFor(action, targetId);
      expect({ action, count: rows.length }).toEqual({ action, count: 1 });
      expectActor(rows[0], admin);
      expect(rows[0].details).toMatchObject(details);
    }
    const everything = await auditPage('limit=100');
    expect(JSON.stringify(everything)).not.toContain(token.secret);
    expect(JSON.stringify(everything)).not.toMatch(/tgw_[A-Za-z0-9_-]{40}/);
  });

  it('filters by actor, action and time, and pages with a cursor without gaps or repeats', async () => {
    const dave = await createCaller(t.app, { permissions: ['demo.run'], name: uniqueName('dave') });
    const before = new Date(Date.now() - 1000).toISOString();
    for (let i = 0; i < 5; i += 1) await execute(dave, { task_name: 'demo.add', kwargs: { a: i, b: 0 } }).expect(202);

    const all = (await auditPage(`actor=${dave.principal.name}&limit=100`)).items;
    expect(all).toHaveLength(5);
    expect(all.every((row) => row.action === 'execution.execute')).toBe(true);
    const times = all.map((row) => Date.parse(row.occurred_at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: AuditRow[]; next_cursor: string | null } = await auditPage(
        `actor=${dave.principal.name}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((row) => row.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(all.map((row) => row.id));

    expect((await auditPage(`actor=${dave.principal.name}&after=${encodeURIComponent(before)}`)).items).toHaveLength(5);
    expect((await auditPage(`actor=${dave.principal.name}&before=${encodeURIComponent(before)}`)).items).toHaveLength(0);
    expect((await auditPage(`actor=${dave.principal.name}&action=token.create`)).items).toHaveLength(0);

    const farCursor = Buffer.from(JSON.stringify([8.64e15, '3f1c2a9e-0000-4000-8000-000000000001', 'desc'])).toString('base64url');
    for (const bad of ['action=execution.nope', 'after=yesterday', 'limit=0', 'cursor=garbage', `cursor=${farCursor}`, 'unknown=1']) {
      await t.http().get(`${API}/admin/audit?${bad}`).set('Authorization', admin.auth).expect(400);
    }
  });
});
