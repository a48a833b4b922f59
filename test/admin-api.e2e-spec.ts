import { AddressInfo } from 'node:net';
import { MoreThanOrEqual } from 'typeorm';
import { ApiToken } from '../src/auth/api-token.entity';
import { Principal } from '../src/auth/principal.entity';
import { Execution } from '../src/executions/execution.entity';
import { addToken, createCaller, dataSource, TestCaller, uniqueName } from './support/factories';
import { openWs } from './support/live-clients';
import { createTestApp, TestApp } from './support/test-app';
import { waitForExecution } from './support/wait-for';

const API = '/api/v1';
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

/** Every admin route, with a body that would be valid for an admin. */
const ADMIN_ROUTES: Array<[method: 'get' | 'post' | 'patch' | 'put' | 'delete', path: string, body: object | null]> = [
  ['get', '/admin/principals', null],
  ['post', '/admin/principals', { name: 'would-be' }],
  ['patch', `/admin/principals/${UNKNOWN_ID}`, { disabled: true }],
  ['get', `/admin/principals/${UNKNOWN_ID}/tokens`, null],
  ['post', `/admin/principals/${UNKNOWN_ID}/tokens`, { name: 'x' }],
  ['post', `/admin/tokens/${UNKNOWN_ID}/revoke`, null],
  ['get', '/admin/groups', null],
  ['post', '/admin/groups', { name: 'would-be' }],
  ['delete', `/admin/groups/${UNKNOWN_ID}`, null],
  ['put', `/admin/groups/${UNKNOWN_ID}/members/${UNKNOWN_ID}`, null],
  ['delete', `/admin/groups/${UNKNOWN_ID}/members/${UNKNOWN_ID}`, null],
  ['get', '/admin/permissions', null],
  ['get', '/admin/grants', null],
  ['post', '/admin/grants', { permission: 'demo.run', principal_id: UNKNOWN_ID }],
  ['delete', `/admin/grants/${UNKNOWN_ID}`, null],
  ['get', '/admin/audit', null],
  ['get', '/admin/overview', null],
];

describe('admin API (e2e)', () => {
  let t: TestApp;
  let admin: TestCaller;
  let user: TestCaller;

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen(0, '127.0.0.1');
    admin = await createCaller(t.app, { isAdmin: true, name: uniqueName('root') });
    user = await createCaller(t.app, { permissions: ['demo.run'] });
  });

  afterAll(() => t.close());

  /** Every row has three items: jest takes a shorter row's missing argument for a `done` callback. */
  const call = (caller: TestCaller | null, method: (typeof ADMIN_ROUTES)[number][0], path: string, body?: object | null) => {
    const request = t.http()[method](`${API}${path}`);
    if (caller) request.set('Authorization', caller.auth);
    return body ? request.send(body) : request;
  };

  it.each(ADMIN_ROUTES)('%s %s: 401 without a token, 403 for a non-admin and for a scoped admin token', async (method, path, body) => {
    const principalsBefore = await dataSource(t.app).getRepository(Principal).count();
    await call(null, method, path, body).expect(401);
    const refused = await call(user, method, path, body).expect(403);
    expect(refused.body).toMatchObject({ statusCode: 403, message: expect.stringContaining('admins only') });
    await call(await addToken(t.app, admin, ['demo.run']), method, path, body).expect(403);
    expect(await dataSource(t.app).getRepository(Principal).count()).toBe(principalsBefore);
  });

  it('creates principals, rejects duplicates, bad names and fields it does not take', async () => {
    const name = uniqueName('svc');
    const created = await call(admin, 'post', '/admin/principals', { name, kind: 'service' }).expect(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      name,
      kind: 'service',
      is_admin: false,
      disabled: false,
      created_at: expect.any(String),
      groups: [],
      permissions: [],
    });
    await call(admin, 'post', '/admin/principals', { name }).expect(409);
    const bad = await call(admin, 'post', '/admin/principals', { name: 'no spaces', kind: 'robot', disabled: true }).expect(400);
    expect(String(bad.body.message)).toMatch(/kind must be user or service/);
    expect(String(bad.body.message)).toMatch(/disabled should not exist/);
    const listed = await call(admin, 'get', '/admin/principals').expect(200);
    expect(listed.body.map((p: { name: string }) => p.name)).toContain(name);
  });

  it('disables and enables a principal (its tokens follow) and makes or unmakes an admin', async () => {
    const other = await createCaller(t.app, { permissions: ['demo.run'] });
    await call(admin, 'patch', `/admin/principals/${other.principal.id}`, { disabled: true }).expect(200);
    await t.http().get(`${API}/me`).set('Authorization', other.auth).expect(401);
    await call(admin, 'patch', `/admin/principals/${other.principal.id}`, { disabled: false }).expect(200);
    await t.http().get(`${API}/me`).set('Authorization', other.auth).expect(200);

    await call(other, 'get', '/admin/principals').expect(403);
    const promoted = await call(admin, 'patch', `/admin/principals/${other.principal.id}`, { is_admin: true }).expect(200);
    expect(promoted.body.is_admin).toBe(true);
    await call(other, 'get', '/admin/principals').expect(200);
    await call(admin, 'patch', `/admin/principals/${other.principal.id}`, { is_admin: false }).expect(200);
    await call(other, 'get', '/admin/principals').expect(403);

    await call(admin, 'patch', `/admin/principals/${admin.principal.id}`, { disabled: true }).expect(409);
    await call(admin, 'patch', `/admin/principals/${admin.principal.id}`, { is_admin: false }).expect(409);
    await call(admin, 'patch', `/admin/principals/${other.principal.id}`, {}).expect(400);
    await call(admin, 'patch', `/admin/principals/${UNKNOWN_ID}`, { disabled: true }).expect(404);
    await call(admin, 'patch', '/admin/principals/not-a-uuid', { disabled: true }).expect(400);
  });

  it('answers concurrent identical membership and grant requests alike, with one row each (no 500 from the unique index)', async () => {
    const member = await createCaller(t.app);
    const group = (await call(admin, 'post', '/admin/groups', { name: uniqueName('race') }).expect(201)).body;
    const joins = await Promise.all(
      Array.from({ length: 8 }, () => call(admin, 'put', `/admin/groups/${group.id}/members/${member.principal.id}`)),
    );
    expect(joins.map((answer) => answer.status)).toEqual(joins.map(() => 204));
    const grants = await Promise.all(
      Array.from({ length: 8 }, () => call(admin, 'post', '/admin/grants', { permission: 'race.run', principal_id: member.principal.id })),
    );
    expect(grants.map((answer) => answer.status)).toEqual(grants.map(() => 201));
    expect(new Set(grants.map((answer) => answer.body.id)).size).toBe(1);
    const groups = (await call(admin, 'get', '/admin/groups').expect(200)).body;
    expect(groups.find((g: { id: string }) => g.id === group.id).members).toHaveLength(1);
  });

  it('grants through groups and directly; removing either takes the permission away', async () => {
    const member = await createCaller(t.app);
    const run = () =>
      t
        .http()
        .post(`${API}/tasks/execute`)
        .set('Authorization', member.auth)
        .send({ task_name: 'demo.add', kwargs: { a: 1, b: 1 } });
    await run().expect(403);

    const group = (await call(admin, 'post', '/admin/groups', { name: uniqueName('ops') }).expect(201)).body;
    await call(admin, 'put', `/admin/groups/${group.id}/members/${member.principal.id}`).expect(204);
    await call(admin, 'put', `/admin/groups/${group.id}/members/${member.principal.id}`).expect(204);
    const grant = (await call(admin, 'post', '/admin/grants', { permission: 'demo.run', group_id: group.id }).expect(201)).body;
    expect(grant).toMatchObject({ permission: 'demo.run', group_id: group.id, group_name: group.name, principal_id: null });
    await run().expect(202);

    const groups = (await call(admin, 'get', '/admin/groups').expect(200)).body;
    expect(groups.find((g: { id: string }) => g.id === group.id)).toMatchObject({
      members: [{ id: member.principal.id, name: member.principal.name }],
      permissions: ['demo.run'],
    });
    await call(admin, 'delete', `/admin/groups/${group.id}/members/${member.principal.id}`).expect(204);
    await call(admin, 'delete', `/admin/groups/${group.id}/members/${member.principal.id}`).expect(404);
    await run().expect(403);

    const direct = (await call(admin, 'post', '/admin/grants', { permission: 'demo.run', principal_id: member.principal.id }).expect(201))
      .body;
    const again = (await call(admin, 'post', '/admin/grants', { permission: 'demo.run', principal_id: member.principal.id }).expect(201))
      .body;
    expect(again.id).toBe(direct.id);
    await run().expect(202);
    const ofMember = (
      await t.http().get(`${API}/admin/grants?principal_id=${member.principal.id}`).set('Authorization', admin.auth).expect(200)
    ).body;
    expect(ofMember).toEqual([expect.objectContaining({ id: direct.id, principal_name: member.principal.name })]);
    await call(admin, 'delete', `/admin/grants/${direct.id}`).expect(204);
    await call(admin, 'delete', `/admin/grants/${direct.id}`).expect(404);
    await run().expect(403);

    await call(admin, 'delete', `/admin/groups/${group.id}`).expect(204);
    await call(admin, 'delete', `/admin/groups/${group.id}`).expect(404);
    expect((await t.http().get(`${API}/admin/grants?group_id=${group.id}`).set('Authorization', admin.auth).expect(200)).body).toEqual([]);
  });

  it('rejects bad grants: both or no holder, a malformed permission, an unknown holder', async () => {
    await call(admin, 'post', '/admin/grants', { permission: 'demo.run' }).expect(400);
    await call(admin, 'post', '/admin/grants', { permission: 'demo.run', principal_id: user.principal.id, group_id: UNKNOWN_ID }).expect(
      400,
    );
    await call(admin, 'post', '/admin/grants', { permission: 'Not Valid!', principal_id: user.principal.id }).expect(400);
    await call(admin, 'post', '/admin/grants', { permission: 'demo.run', principal_id: UNKNOWN_ID }).expect(404);
  });

  it('lists known permissions: declared by tasks and granted to someone', async () => {
    await call(admin, 'post', '/admin/grants', { permission: 'reports.only_granted', principal_id: user.principal.id }).expect(201);
    const known = (await call(admin, 'get', '/admin/permissions').expect(200)).body;
    expect(known).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          permission: 'demo.run',
          tasks: expect.arrayContaining(['demo.add', 'demo.sleep']),
          principals: expect.arrayContaining([user.principal.name]),
        }),
        expect.objectContaining({ permission: 'reports.only_granted', tasks: [], principals: [user.principal.name] }),
      ]),
    );
  });

  it('creates a token whose secret is shown once and works, lists tokens without secrets, revokes', async () => {
    const owner = await createCaller(t.app, { permissions: ['demo.run'] });
    const created = await call(admin, 'post', `/admin/principals/${owner.principal.id}/tokens`, {
      name: 'ci',
      scopes: ['demo.run'],
    }).expect(201);
    expect(created.body.secret).toMatch(/^tgw_[A-Za-z0-9_-]{40}$/);
    expect(created.body.token).toMatchObject({ name: 'ci', scopes: ['demo.run'], principal_id: owner.principal.id, revoked_at: null });
    const me = await t.http().get(`${API}/me`).set('Authorization', `Bearer ${created.body.secret}`).expect(200);
    expect(me.body.token.id).toBe(created.body.token.id);

    const listed = (await call(admin, 'get', `/admin/principals/${owner.principal.id}/tokens`).expect(200)).body;
    expect(listed).toHaveLength(2);
    expect(JSON.stringify(listed)).not.toMatch(/tgw_[A-Za-z0-9_-]{40}/);
    for (const token of listed)
      expect(Object.keys(token).sort()).toEqual([
        'created_at',
        'expires_at',
        'id',
        'last_used_at',
        'name',
        'prefix',
        'principal_id',
        'quota',
        'revoked_at',
        'scopes',
      ]);
    const stored = await dataSource(t.app).getRepository(ApiToken).findOneByOrFail({ id: created.body.token.id });
    expect(stored.tokenHash).not.toContain(created.body.secret);

    const revoked = await call(admin, 'post', `/admin/tokens/${created.body.token.id}/revoke`).expect(200);
    expect(revoked.body.revoked_at).toEqual(expect.any(String));
    await t.http().get(`${API}/me`).set('Authorization', `Bearer ${created.body.secret}`).expect(401);
    await t.http().get(`${API}/me`).set('Authorization', owner.auth).expect(200);

    await call(admin, 'post', `/admin/principals/${owner.principal.id}/tokens`, { name: 'old', expires_at: '2001-01-01T00:00:00Z' }).expect(
      400,
    );
    await call(admin, 'post', `/admin/principals/${owner.principal.id}/tokens`, { name: 'far', expires_at: '9999-12-31T23:59:59Z' }).expect(
      400,
    );
    // Nothing of the refused ones was written: the principal's token list still reads.
    const tokens = await call(admin, 'get', `/admin/principals/${owner.principal.id}/tokens`).expect(200);
    expect(tokens.body.map((token: { name: string }) => token.name)).not.toEqual(expect.arrayContaining(['old', 'far']));
    await call(admin, 'post', `/admin/principals/${owner.principal.id}/tokens`, { name: 'x', scopes: ['BAD SCOPE'] }).expect(400);
    await call(admin, 'post', `/admin/principals/${UNKNOWN_ID}/tokens`, { name: 'x' }).expect(404);
    await call(admin, 'post', `/admin/tokens/${UNKNOWN_ID}/revoke`).expect(404);
  });

  it('gives an overview: counts per status and executions per hour', async () => {
    const accepted = await t
      .http()
      .post(`${API}/tasks/execute`)
      .set('Authorization', user.auth)
      .send({ task_name: 'demo.add', kwargs: { a: 1, b: 2 } })
      .expect(202);
    await waitForExecution(t, user.auth, accepted.body.execution_id);
    const overview = (await t.http().get(`${API}/admin/overview?hours=6`).set('Authorization', admin.auth).expect(200)).body;
    expect(overview.statistics.completed).toBeGreaterThanOrEqual(1);
    expect(overview.timeline.bucket_minutes).toBe(60);
    expect(overview.timeline.buckets).toHaveLength(6);
    const sum = overview.timeline.buckets.reduce((total: number, bucket: { total: number }) => total + bucket.total, 0);
    // Other suites may share this database and seed older executions: count the window itself.
    const inWindow = await dataSource(t.app)
      .getRepository(Execution)
      .countBy({ createdAt: MoreThanOrEqual(new Date(overview.timeline.buckets[0].start)) });
    expect(sum).toBe(inWindow);
    expect(sum).toBeGreaterThanOrEqual(1);
    expect(overview.timeline.buckets[5].completed).toBeGreaterThanOrEqual(1);
    await t.http().get(`${API}/admin/overview?hours=0`).set('Authorization', admin.auth).expect(400);
  });

  it('tells each caller whether and why it may run every task', async () => {
    const scoped = await addToken(t.app, await createCaller(t.app, { permissions: ['demo.run', 'demo.files'] }), ['demo.run']);
    const catalog = (await t.http().get(`${API}/tasks/catalog`).set('Authorization', scoped.auth).expect(200)).body;
    const add = catalog.find((task: { task_name: string }) => task.task_name === 'demo.add');
    const checksum = catalog.find((task: { task_name: string }) => task.task_name === 'demo.checksum');
    expect(add).toMatchObject({ can_execute: true, missing_permissions: [], reason: expect.stringContaining('demo.run') });
    expect(checksum).toMatchObject({
      can_execute: false,
      missing_permissions: ['demo.files'],
      reason: expect.stringMatching(/lack demo\.files.*limited to: demo\.run/),
    });
    const asAdmin = (await t.http().get(`${API}/tasks/catalog`).set('Authorization', admin.auth).expect(200)).body;
    expect(asAdmin.every((task: { can_execute: boolean }) => task.can_execute)).toBe(true);
  });

  it('accepts the token as a WebSocket subprotocol, as the console sends it, and refuses a bad one', async () => {
    const port = (t.app.getHttpServer().address() as AddressInfo).port;
    const ws = await openWs(port, { protocols: ['taskgate', `token.${user.secret}`] });
    expect(ws.socket.protocol).toBe('taskgate');
    ws.close();
    await expect(openWs(port, { protocols: ['taskgate', 'token.tgw_wrong'] })).rejects.toThrow('upgrade refused: 401');
  });

  it('serves the console and its modules from the gateway, with no address outside it', async () => {
    await t.http().get('/admin').expect(301).expect('Location', '/admin/');
    const page = await t.http().get('/admin/').expect(200).expect('Content-Type', /html/);
    expect(page.text).toContain('importmap');
    expect(page.text).not.toMatch(/(src|href)="https?:/);
    const policy = page.headers['content-security-policy'];
    expect(policy).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]{44}'(;|$)/);
    expect(policy).toContain("frame-ancestors 'none'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    for (const file of ['preact.mjs', 'hooks.mjs', 'htm.mjs']) {
      await t
        .http()
        .get(`/admin/vendor/${file}`)
        .expect(200)
        .expect('Content-Type', /javascript/);
    }
    await t.http().get('/admin/vendor/../package.json').expect(404);
    // Names an object has by inheritance are not files either (once a 500 without any token).
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      await t.http().get(`/admin/vendor/${name}`).expect(404);
    }
  });
});
