import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { ApiToken } from '../src/auth/api-token.entity';
import { PrincipalsService } from '../src/auth/principals.service';
import { createCaller, TestCaller, uniqueName } from './support/factories';
import { runCli } from './support/processes';
import { createTestApp, TestApp } from './support/test-app';
import { testDatabaseUrl, testRedisUrl } from './support/test-config';
import { pollUntil } from './support/wait-for';

/** Long enough for an invalidation that a last_used_at write might publish to reach the other process. */
const PUBSUB_HOP_MS = 200;

/**
 * Callers are cached for AUTH_CACHE_MS; here it is a minute, so only the identity change feed can
 * make a change visible within the test. Two apps on one database and one Redis prefix stand for
 * two API processes; the CLI is a third process.
 */
describe('caller cache invalidation across processes (e2e)', () => {
  const env = {
    DATABASE_URL: testDatabaseUrl(),
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: `tgtest-${randomBytes(5).toString('hex')}`,
    AUTH_CACHE_MS: '60000',
    RATE_LIMIT_AUTH_FAILURES: '0',
  };
  let writer: TestApp;
  let reader: TestApp;
  let admin: TestCaller;

  beforeAll(async () => {
    writer = await createTestApp({ env });
    reader = await createTestApp({ env });
    admin = await createCaller(writer.app, { isAdmin: true });
  });

  afterAll(async () => {
    await reader?.close();
    await writer?.close();
  });

  const me = (caller: TestCaller) => reader.http().get('/api/v1/me').set('Authorization', caller.auth);
  const execute = (caller: TestCaller) =>
    reader
      .http()
      .post('/api/v1/tasks/execute')
      .set('Authorization', caller.auth)
      .send({ task_name: 'demo.add', kwargs: { a: 1, b: 2 } });
  const asAdmin = () => ({ Authorization: admin.auth });

  /** The reader answers `status` within two seconds (a pub/sub hop), well inside the cache's minute. */
  async function expectSoon(send: () => Promise<{ status: number }>, status: number): Promise<void> {
    await pollUntil(
      async () => (await send()).status,
      (answered) => answered === status,
      { timeoutMs: 2_000, intervalMs: 50 },
    );
  }

  it('serves a cached caller, and drops it when its token is revoked through the CLI', async () => {
    const caller = await createCaller(writer.app, { permissions: ['demo.run'] });
    await me(caller).expect(200);
    // The token row is gone from under the cache: only the cache can still answer 200.
    await me(caller).expect(200);
    const revoked = runCli(env, 'token:revoke', caller.token.id);
    expect(revoked.status).toBe(0);
    await expectSoon(() => me(caller), 401);
  });

  it('drops it when an admin disables the principal in another process', async () => {
    const caller = await createCaller(writer.app, { permissions: ['demo.run'] });
    await me(caller).expect(200);
    await writer.http().patch(`/api/v1/admin/principals/${caller.principal.id}`).set(asAdmin()).send({ disabled: true }).expect(200);
    await expectSoon(() => me(caller), 401);
  });

  it('drops it when a grant is taken back, directly or through a group', async () => {
    const direct = await createCaller(writer.app, { permissions: ['demo.run'] });
    await execute(direct).expect(202);
    expect(runCli(env, 'revoke', direct.principal.name, 'demo.run').status).toBe(0);
    await expectSoon(() => execute(direct), 403);

    const groupName = uniqueName('runners');
    const group = await writer.app.get(PrincipalsService).createGroup(groupName, ['demo.run']);
    const member = await createCaller(writer.app, { groups: [groupName] });
    await execute(member).expect(202);
    await writer.http().delete(`/api/v1/admin/groups/${group.id}/members/${member.principal.id}`).set(asAdmin()).expect(204);
    await expectSoon(() => execute(member), 403);
  });

  it('sees a new grant at once too', async () => {
    const caller = await createCaller(writer.app);
    await execute(caller).expect(403);
    expect(runCli(env, 'grant', caller.principal.name, 'demo.run').status).toBe(0);
    await expectSoon(() => execute(caller), 202);
  });

  it('never serves a token past its expiry from the cache', async () => {
    const expiresAt = new Date(Date.now() + 1500);
    const caller = await createCaller(writer.app, { expiresAt });
    await me(caller).expect(200);
    await sleep(expiresAt.getTime() - Date.now() + 100); // the expiry itself is under test: nothing to poll
    await me(caller).expect(401);
  });

  it('keeps last_used_at writes from emptying the cache (they are not identity changes)', async () => {
    const caller = await createCaller(writer.app);
    await me(caller).expect(200); // first use: last_used_at is written, in the background
    const tokens = writer.app.get(DataSource).getRepository(ApiToken);
    await pollUntil(
      () => tokens.findOneByOrFail({ id: caller.token.id }),
      (token) => token.lastUsedAt !== null,
      { timeoutMs: 5_000, intervalMs: 20 },
    );
    await sleep(PUBSUB_HOP_MS);
    const lookups = countTokenLookups(reader);
    await me(caller).expect(200);
    expect(lookups()).toBe(0);
  });
});

/** Counts the token lookups the app's database runs from now on. */
function countTokenLookups(t: TestApp): () => number {
  const manager = t.app.get(DataSource).manager;
  const original = manager.findOneBy.bind(manager);
  let count = 0;
  manager.findOneBy = (target: unknown, where: unknown) => {
    if (target === ApiToken) count++;
    return original(target as never, where as never);
  };
  return () => count;
}
