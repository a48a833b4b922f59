import { setTimeout as sleep } from 'node:timers/promises';
import { ApiToken } from '../src/auth/api-token.entity';
import { PrincipalsService } from '../src/auth/principals.service';
import { TokensService } from '../src/auth/tokens.service';
import { generateTokenSecret, hashTokenSecret } from '../src/auth/token-secret';
import { createCaller, dataSource, TestCaller } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';
import { pollUntil } from './support/wait-for';

/** A write that must not happen cannot be awaited: this quiet period is where it would have landed. */
const BACKGROUND_WRITE_MS = 100;

describe('authentication (e2e)', () => {
  let t: TestApp;
  let alice: TestCaller;

  beforeAll(async () => {
    t = await createTestApp();
    alice = await createCaller(t.app, { permissions: ['demo.run'] });
  });

  afterAll(() => t.close());

  const me = (authorization?: string) => {
    const call = t.http().get('/api/v1/me');
    return authorization === undefined ? call : call.set('Authorization', authorization);
  };

  it('accepts the Bearer and the Token scheme, any case', async () => {
    for (const scheme of ['Bearer', 'Token', 'bearer', 'TOKEN']) {
      const response = await me(`${scheme} ${alice.secret}`).expect(200);
      expect(response.body.principal.name).toBe(alice.principal.name);
    }
  });

  it.each([
    ['no header', undefined, /missing Authorization/],
    ['an empty header', '', /missing Authorization/],
    ['another scheme', 'Basic dXNlcjpwYXNz', /malformed/],
    ['a scheme without a token', 'Bearer', /malformed/],
    ['two tokens', 'Bearer a b', /malformed/],
    ['a token of the wrong shape', 'Bearer not-a-token', /invalid token/],
    ['a well-formed unknown token', `Bearer ${generateTokenSecret()}`, /invalid token/],
  ])('answers 401 for %s', async (_case, header, message) => {
    const response = await me(header).expect(401);
    expect(response.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: expect.stringMatching(message) });
    expect(response.headers['www-authenticate']).toBe('Bearer');
  });

  it('answers 401 for a revoked token', async () => {
    const bob = await createCaller(t.app);
    await me(bob.auth).expect(200);
    await t.app.get(TokensService).revoke(bob.token.id);
    expect((await me(bob.auth).expect(401)).body.message).toBe('token revoked');
  });

  it('answers 401 for an expired token', async () => {
    const carol = await createCaller(t.app, { expiresAt: new Date(Date.now() + 60_000) });
    await me(carol.auth).expect(200);
    await dataSource(t.app)
      .getRepository(ApiToken)
      .update({ id: carol.token.id }, { expiresAt: new Date(Date.now() - 1000) });
    expect((await me(carol.auth).expect(401)).body.message).toBe('token expired');
  });

  it('answers 401 for a disabled principal, and 200 again once enabled', async () => {
    const dave = await createCaller(t.app);
    await t.app.get(PrincipalsService).setDisabled(dave.principal.name, true);
    expect((await me(dave.auth).expect(401)).body.message).toBe('principal disabled');
    await t.app.get(PrincipalsService).setDisabled(dave.principal.name, false);
    await me(dave.auth).expect(200);
  });

  it('stores only a hash of each token', async () => {
    const row = await dataSource(t.app).getRepository(ApiToken).findOneByOrFail({ id: alice.token.id });
    expect(row.tokenHash).toBe(hashTokenSecret(alice.secret));
    expect(row.prefix).toBe(alice.secret.slice(0, 8));
    const everything = JSON.stringify(await dataSource(t.app).query('SELECT * FROM api_tokens'));
    expect(everything).not.toContain(alice.secret);
    expect(everything).not.toContain(alice.secret.slice(8));
  });

  it('keeps last_used_at without writing it on every request', async () => {
    const erin = await createCaller(t.app);
    const tokens = dataSource(t.app).getRepository(ApiToken);
    expect((await tokens.findOneByOrFail({ id: erin.token.id })).lastUsedAt).toBeNull();
    await me(erin.auth).expect(200);
    const lastUsedAt = async () => (await tokens.findOneByOrFail({ id: erin.token.id })).lastUsedAt;
    const first = await pollUntil(lastUsedAt, (at) => at !== null, { timeoutMs: 5_000, intervalMs: 20 });
    expect(first).toBeInstanceOf(Date);
    await me(erin.auth).expect(200);
    await me(erin.auth).expect(200);
    await sleep(BACKGROUND_WRITE_MS);
    expect((await tokens.findOneByOrFail({ id: erin.token.id })).lastUsedAt).toEqual(first);
  });

  it('describes the caller on /me without any secret', async () => {
    const principals = t.app.get(PrincipalsService);
    const group = `grp-${alice.principal.name}`;
    await principals.createGroup(group, ['reports.read']);
    await principals.addMember(group, alice.principal.name);
    const response = await me(alice.auth).expect(200);
    expect(response.body).toEqual({
      principal: { id: alice.principal.id, name: alice.principal.name, kind: 'user', is_admin: false },
      groups: [group],
      permissions: ['demo.run', 'reports.read'],
      conditions: { 'demo.run': null, 'reports.read': null },
      grants: [
        { id: expect.any(String), permission: 'demo.run', via: 'direct', conditions: null, approval: null, quota: null },
        { id: expect.any(String), permission: 'reports.read', via: `group:${group}`, conditions: null, approval: null, quota: null },
      ],
      token: { id: alice.token.id, name: 'test', scopes: null, expires_at: null, quota: null, quota_left: null },
    });
    expect(JSON.stringify(response.body)).not.toContain(alice.secret);
  });

  it('narrows permissions by the token scopes and never widens them', async () => {
    const frank = await createCaller(t.app, { permissions: ['demo.run', 'demo.files'], scopes: ['demo.run', 'admin.everything'] });
    const response = await me(frank.auth).expect(200);
    expect(response.body.permissions).toEqual(['demo.run']);
    expect(response.body.token.scopes).toEqual(['demo.run', 'admin.everything']);
  });

  it('does not give admin power to a scoped admin token', async () => {
    const root = await createCaller(t.app, { isAdmin: true, scopes: ['demo.run'] });
    const response = await me(root.auth).expect(200);
    expect(response.body.principal.is_admin).toBe(false);
    expect(response.body.permissions).toEqual(['demo.run']);
  });
});

describe('public routes (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(() => t.close());

  it('serves /health/live without a token, outside the API prefix', async () => {
    expect((await t.http().get('/health/live').expect(200)).body).toEqual({ status: 'ok' });
    await t.http().get('/api/v1/health/live').expect(404);
  });

  it('answers unknown routes with the JSON error shape', async () => {
    const response = await t.http().get('/api/v1/nowhere').expect(404);
    expect(response.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });
});
