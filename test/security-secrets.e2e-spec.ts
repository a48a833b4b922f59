import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { ApiToken } from '../src/auth/api-token.entity';
import { generateTokenSecret } from '../src/auth/token-secret';
import { ExecutionsQueryService } from '../src/executions/executions-query.service';
import { createCaller, dataSource, TestCaller } from './support/factories';
import { openSse, openWs } from './support/live-clients';
import { RouteSamples } from './support/route-samples';
import { createTestApp, TestApp } from './support/test-app';
import { pollUntil } from './support/wait-for';

const API = '/api/v1';

/**
 * Token secrets exist in two places only: the response that created them and the caller's hands.
 * Every secret made here, through every way there is to make one, is looked for in every table and
 * in the run's whole log (debug level), after each way there is to present one, right or wrong.
 */
describe('token secrets stay secret (e2e)', () => {
  let t: TestApp;
  let port: number;
  let admin: TestCaller;
  let user: TestCaller;
  /** Every secret this suite saw, right or wrong, to look for afterwards. */
  const secrets: string[] = [];

  beforeAll(async () => {
    t = await createTestApp({ env: { ROLE: 'api', RECONCILE_INTERVAL_MS: '0', RATE_LIMIT_AUTH_FAILURES: '0', LOG_LEVEL: 'debug' } });
    port = ((await t.app.listen(0, '127.0.0.1')).address() as AddressInfo).port;
    admin = await createCaller(t.app, { isAdmin: true });
    user = await createCaller(t.app, { permissions: ['demo.run'] });
    secrets.push(admin.secret, user.secret);
    // Through the admin API too: plain, scoped and expiring.
    for (const body of [
      { name: 'ci' },
      { name: 'scoped', scopes: ['demo.run'] },
      { name: 'later', expires_at: new Date(Date.now() + 86_400_000).toISOString() },
    ]) {
      const created = await t
        .http()
        .post(`${API}/admin/principals/${user.principal.id}/tokens`)
        .set('Authorization', admin.auth)
        .send(body)
        .expect(201);
      expect(created.body.secret).toMatch(/^tgw_[A-Za-z0-9_-]{40}$/);
      secrets.push(created.body.secret);
    }
  });

  afterAll(() => t.close());

  /** A secret and the forms a careless write could give it. */
  const encodings = (secret: string) => [
    secret,
    secret.slice(4),
    Buffer.from(secret).toString('hex'),
    Buffer.from(secret).toString('base64'),
    Buffer.from(secret.slice(4)).toString('base64url'),
  ];

  it('stores only a SHA-256 of each token: no column of any table holds a secret, in any encoding', async () => {
    const tokens = await dataSource(t.app).getRepository(ApiToken).find();
    for (const secret of secrets) {
      const row = tokens.find((token) => token.tokenHash === createHash('sha256').update(secret).digest('hex'));
      expect(row?.prefix).toBe(secret.slice(0, 8));
    }
    for (const table of [...new Set(dataSource(t.app).entityMetadatas.map((entity) => entity.tableName))]) {
      const everything = JSON.stringify(await dataSource(t.app).query(`SELECT * FROM "${table}"`));
      for (const secret of secrets) {
        for (const form of encodings(secret)) expect({ table, found: everything.includes(form) }).toEqual({ table, found: false });
      }
    }
  });

  it('logs no secret, whichever way one is presented and however the request ends', async () => {
    const samples = new RouteSamples(t, (await t.http().get('/api/docs-json').expect(200)).body);
    const finished = await samples.execution(user, 'cancelled');
    const [right, revoked] = [secrets[2], secrets[3]];
    await t
      .http()
      .post(`${API}/admin/tokens/${await tokenId(revoked)}/revoke`)
      .set('Authorization', admin.auth)
      .expect(200);
    // A wrong token one character off a real one, a truncated one and a padded one.
    const nearMiss = `${right.slice(0, -1)}${right.endsWith('A') ? 'B' : 'A'}`;
    secrets.push(nearMiss, generateTokenSecret());
    const presented = [right, revoked, nearMiss, secrets[secrets.length - 1], right.slice(0, -1), `${right}x`];

    for (const secret of presented) {
      for (const scheme of ['Bearer', 'Token']) await t.http().get(`${API}/me`).set('Authorization', `${scheme} ${secret}`);
      await t.http().get(`${API}/me?token=${secret}`); // not a streaming route: refused
      await t.http().get(`${API}/executions/${secret}`).set('Authorization', `Bearer ${right}`); // in a path: a 400
      await t.http().get(`${API}/executions?cursor=${secret}&access_token=${secret}`).set('Authorization', `Bearer ${right}`);
      await t
        .http()
        .post(`${API}/tasks/execute`)
        .set('Authorization', `Bearer ${right}`)
        .send({ task_name: secret, kwargs: { a: secret } });
      const stream = openSse(port, `${API}/executions/${finished}/events?token=${encodeURIComponent(secret)}`, null);
      await Promise.race([stream.ended, new Promise((resolve) => setTimeout(resolve, 5000))]);
      stream.close();
      for (const auth of [{ query: secret }, { header: `Bearer ${secret}` }, { protocols: ['taskgate', `token.${secret}`] }]) {
        const opened = await openWs(port, auth).then(
          (client) => (client.close(), true),
          () => false,
        );
        expect(opened).toBe(secret === right); // each way in works, so each way was tried
      }
    }
    // An error whose message carries a secret is logged, scrubbed.
    const spy = jest.spyOn(ExecutionsQueryService.prototype, 'statistics').mockRejectedValueOnce(new Error(`driver said: ${right} is odd`));
    await t.http().get(`${API}/executions/statistics`).set('Authorization', `Bearer ${right}`).expect(500);
    spy.mockRestore();
    // Log lines are written asynchronously; the 500 is the last request, so once it is there, so is everything before.
    const lastRequestLogged = (text: string) =>
      text.split('\n').some((line) => line.includes('/executions/statistics') && line.includes('"statusCode":500'));
    const log = await pollUntil(() => readFileSync(t.config.logFile, 'utf8'), lastRequestLogged, { timeoutMs: 5_000, intervalMs: 20 });
    // The requests were logged (a log that says nothing would pass vacuously).
    expect(log).toContain('/events?token=[REDACTED]');
    expect(log).toContain('driver said: tgw_[REDACTED] is odd');
    for (const secret of secrets) {
      for (const form of encodings(secret)) expect(log.includes(form)).toBe(false);
      expect(log.includes(secret.slice(4, 36))).toBe(false); // most of one is as bad
    }
  });

  async function tokenId(secret: string): Promise<string> {
    const hash = createHash('sha256').update(secret).digest('hex');
    return (await dataSource(t.app).getRepository(ApiToken).findOneByOrFail({ tokenHash: hash })).id;
  }
});
