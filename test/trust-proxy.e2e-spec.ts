import WebSocket from 'ws';
import { generateTokenSecret } from '../src/auth/token-secret';
import { AuditEvent } from '../src/audit/audit-event.entity';
import { createCaller, dataSource, TestCaller } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';

/** Opens /api/v1/ws from behind a "proxy": resolves with the upgrade's answer (101 or the refusal's status). */
function upgradeStatus(port: number, forwardedFor: string, auth: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/api/v1/ws`, { headers: { Authorization: auth, 'X-Forwarded-For': forwardedFor } });
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    socket.once('error', reject);
  });
}

describe.each([
  { trustProxy: 'loopback', trusted: true },
  { trustProxy: '', trusted: false },
])('TRUST_PROXY="$trustProxy" (e2e)', ({ trustProxy, trusted }) => {
  let t: TestApp;
  let caller: TestCaller;
  let port: number;

  beforeAll(async () => {
    t = await createTestApp({ env: { TRUST_PROXY: trustProxy, RATE_LIMIT_AUTH_FAILURES: '2' } });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as { port: number }).port;
    caller = await createCaller(t.app, { permissions: [] });
  });

  afterAll(() => t.close());

  const me = (forwardedFor: string, auth: string) =>
    t.http().get('/api/v1/me').set('Authorization', auth).set('X-Forwarded-For', forwardedFor);

  it(`${trusted ? 'records the forwarded client' : 'ignores X-Forwarded-For and records the socket'} as the audit row's address`, async () => {
    await t
      .http()
      .post('/api/v1/tasks/execute')
      .set('Authorization', caller.auth)
      .set('X-Forwarded-For', '203.0.113.7')
      .send({ task_name: 'demo.add', kwargs: { a: 1, b: 2 } })
      .expect(403);
    const row = await dataSource(t.app)
      .getRepository(AuditEvent)
      .findOneByOrFail({ actorId: caller.principal.id, action: 'execution.execute_denied' });
    if (trusted) expect(row.clientAddress).toBe('203.0.113.7');
    else expect(row.clientAddress).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
  });

  it(`throttles failed authentications per ${trusted ? 'forwarded client, over HTTP and WebSocket' : 'socket address, whatever the header says'}`, async () => {
    const badToken = () => `Bearer ${generateTokenSecret()}`;
    for (let i = 0; i < 2; i++) await me('198.51.100.1', badToken()).expect(401);
    expect((await me('198.51.100.1', badToken())).status).toBe(429);
    expect(await upgradeStatus(port, '198.51.100.1', badToken())).toBe(429);
    // Another client behind the same proxy has its own count only when the proxy is trusted.
    expect((await me('198.51.100.2', badToken())).status).toBe(trusted ? 401 : 429);
    expect(await upgradeStatus(port, '198.51.100.2', badToken())).toBe(trusted ? 401 : 429);
    // A valid token is served from any address, however many failures it has seen.
    expect((await me('198.51.100.1', caller.auth)).status).toBe(200);
    expect(await upgradeStatus(port, '198.51.100.1', caller.auth)).toBe(101);
  });
});
