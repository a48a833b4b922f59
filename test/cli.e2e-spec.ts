import { randomBytes } from 'node:crypto';
import { AuditEvent } from '../src/audit/audit-event.entity';
import { Group } from '../src/auth/group.entity';
import { PermissionGrant } from '../src/auth/permission-grant.entity';
import { Principal } from '../src/auth/principal.entity';
import { ApiToken } from '../src/auth/api-token.entity';
import { dataSource, uniqueName } from './support/factories';
import { runCli } from './support/processes';
import { createTestApp, TestApp } from './support/test-app';
import { createEmptyDatabase, testDatabaseUrl, testRedisUrl } from './support/test-config';

describe('command line (e2e)', () => {
  // The CLI and the app share Redis and the prefix, as in a deployment: identity changes reach the app's caller cache.
  const env = { DATABASE_URL: testDatabaseUrl(), REDIS_URL: testRedisUrl(), QUEUE_PREFIX: `tgtest-${randomBytes(5).toString('hex')}` };
  let t: TestApp;

  beforeAll(async () => {
    // The CLI migrates an empty database itself; the app then starts on the same database.
    const migrate = runCli(env, 'migrate');
    expect(migrate.stderr).toBe('');
    expect(migrate.status).toBe(0);
    t = await createTestApp({ env });
  });

  afterAll(() => t?.close());

  const cli = (...args: string[]) => runCli(env, ...args);
  const me = (token: string) => t.http().get('/api/v1/me').set('Authorization', `Bearer ${token}`);

  it('refuses to work on a database that is not migrated', async () => {
    const empty = await createEmptyDatabase();
    try {
      const result = runCli({ DATABASE_URL: empty.url }, 'principal:create', 'someone');
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/pending migrations: run `npm run cli -- migrate` first/);
    } finally {
      await empty.drop();
    }
  });

  it('migrate reports an up-to-date database', () => {
    const result = cli('migrate');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('database is up to date\n');
  });

  it('creates principals, groups and memberships, grants and revokes, and issues a working token', async () => {
    const group = uniqueName('ops');
    const name = uniqueName('svc');
    expect(cli('group:create', group, '--permission', 'demo.run').status).toBe(0);
    const created = cli(
      'principal:create',
      name,
      '--service',
      '--permission',
      'demo.files',
      '--permission',
      'reports.read',
      '--group',
      group,
    );
    expect(created.status).toBe(0);
    expect(created.stdout).toMatch(new RegExp(`^created service ${name} \\(`));
    const principal = await dataSource(t.app).getRepository(Principal).findOneByOrFail({ name });
    expect(principal).toMatchObject({ kind: 'service', isAdmin: false });

    expect(cli('grant', group, 'extra.one', 'extra.two').status).toBe(0);
    expect(cli('revoke', name, 'reports.read').status).toBe(0);

    const issued = cli('token:create', name, '--name', 'ci', '--expires-in', '30d');
    expect(issued.status).toBe(0);
    expect(issued.stdout).toMatch(/^tgw_[A-Za-z0-9_-]{40}\n$/);
    expect(issued.stderr).toMatch(/shown once/);
    const response = await me(issued.stdout.trim()).expect(200);
    expect(response.body.principal).toMatchObject({ name, kind: 'service' });
    expect(response.body.groups).toEqual([group]);
    expect(response.body.permissions).toEqual(['demo.files', 'demo.run', 'extra.one', 'extra.two']);
    expect(response.body.token.name).toBe('ci');
    const expiresIn = Date.parse(response.body.token.expires_at) - Date.now();
    expect(expiresIn).toBeGreaterThan(29 * 86_400_000);
    expect(expiresIn).toBeLessThanOrEqual(30 * 86_400_000);
  });

  it('group:add adds an existing principal to a group', async () => {
    const group = uniqueName('team');
    const name = uniqueName('user');
    cli('group:create', group, '--permission', 'team.read');
    cli('principal:create', name);
    expect(cli('group:add', group, name).status).toBe(0);
    const token = cli('token:create', name).stdout.trim();
    expect((await me(token).expect(200)).body.permissions).toEqual(['team.read']);
  });

  it('creates admins and scoped tokens', async () => {
    const name = uniqueName('root');
    expect(cli('principal:create', name, '--admin').stdout).toMatch(/, admin$/m);
    const unscoped = cli('token:create', name).stdout.trim();
    expect((await me(unscoped).expect(200)).body.principal.is_admin).toBe(true);
    const scoped = cli('token:create', name, '--scope', 'demo.run').stdout.trim();
    const body = (await me(scoped).expect(200)).body;
    expect(body.token.scopes).toEqual(['demo.run']);
    expect(body.principal.is_admin).toBe(false);
  });

  it('audits every change it makes as cli:<os user>, with no token and never a secret', async () => {
    const group = uniqueName('audited');
    const name = uniqueName('audited');
    cli('group:create', group);
    cli('principal:create', name);
    cli('group:add', group, name);
    cli('grant', name, 'audit.one');
    cli('grant', name, 'audit.one'); // already held: nothing changes, nothing is recorded
    cli('revoke', name, 'audit.one');
    const secret = cli('token:create', name).stdout.trim();
    const tokenId = (await me(secret).expect(200)).body.token.id;
    cli('token:revoke', tokenId);

    const rows = await dataSource(t.app)
      .getRepository(AuditEvent)
      .find({ order: { occurredAt: 'ASC' } });
    const mine = rows.filter((row) => JSON.stringify(row.details).includes(name) || row.targetId === tokenId);
    expect(mine.map((row) => row.action)).toEqual([
      'principal.create',
      'group.add_member',
      'grant.create',
      'grant.delete',
      'token.create',
      'token.revoke',
    ]);
    expect(rows.find((row) => row.action === 'group.create' && row.details?.name === group)).toBeDefined();
    for (const row of mine) {
      expect(row).toMatchObject({
        actorId: null,
        tokenId: null,
        actorName: expect.stringMatching(/^cli:/),
        clientAddress: expect.any(String),
      });
    }
    expect(mine[2]).toMatchObject({ targetType: 'principal', details: { holder: name, permissions: ['audit.one'] } });
    expect(JSON.stringify(rows)).not.toContain(secret);
  });

  it('token:revoke makes the token fail with 401', async () => {
    const name = uniqueName('user');
    cli('principal:create', name);
    const token = cli('token:create', name).stdout.trim();
    const { body } = await me(token).expect(200);
    const revoked = cli('token:revoke', body.token.id);
    expect(revoked.status).toBe(0);
    expect(revoked.stdout).toMatch(/^revoked token /);
    await me(token).expect(401);
  });

  it.each([
    [['principal:create', 'bad name!'], /name "bad name!" must be/],
    [['token:create', 'nobody-at-all'], /principal "nobody-at-all" not found/],
    [['token:revoke', 'not-an-id'], /token not-an-id not found/],
    [['grant', 'nobody-at-all', 'a.b'], /no principal or group named/],
    [['grant', 'admin', 'Not Valid'], /must match/],
    [['group:add', 'no-group', 'no-one'], /group "no-group" not found/],
    [['token:create', 'x', '--expires-in', 'soon'], /--expires-in "soon"/],
    [['token:create', 'x', '--expires-in', '999999999999d'], /--expires-in "999999999999d"/],
  ])('fails with a one-line reason and exit 1: %p', (args, message) => {
    const result = cli(...args);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses an expiry past ten years and writes no token', async () => {
    const name = uniqueName('far');
    cli('principal:create', name);
    const result = cli('token:create', name, '--expires-in', '9999d');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/at most 10 years/);
    const principal = await dataSource(t.app).getRepository(Principal).findOneByOrFail({ name });
    expect(await dataSource(t.app).getRepository(ApiToken).countBy({ principalId: principal.id })).toBe(0);
  });

  it('refuses a duplicate principal and leaves the first intact', async () => {
    const name = uniqueName('dup');
    cli('principal:create', name, '--permission', 'a.b');
    const second = cli('principal:create', name, '--admin');
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(/already exists/);
    const principal = await dataSource(t.app).getRepository(Principal).findOneByOrFail({ name });
    expect(principal.isAdmin).toBe(false);
    expect(await dataSource(t.app).getRepository(PermissionGrant).countBy({ principalId: principal.id })).toBe(1);
    expect(await dataSource(t.app).getRepository(Group).countBy({ name })).toBe(0);
  });
});
