import request from 'supertest';
import { loadAppConfig } from '../src/config/load-app-config';
import { generateTokenSecret } from '../src/auth/token-secret';
import { uniqueName } from './support/factories';
import { freePort, runCli, startGateway } from './support/processes';
import { ManagedProcess } from './support/managed-process';
import { deleteQueueKeys } from './support/test-app';
import { testEnv } from './support/test-config';

/** Two API processes on one Redis: the limits are shared, not per process. */
describe('rate limits across two API processes (e2e)', () => {
  const env = { ...testEnv({ LOG_FILE: '', LOG_LEVEL: 'info' }), ROLE: 'api', RATE_LIMIT_EXECUTE: '4', RATE_LIMIT_AUTH_FAILURES: '3' };
  const gateways: ManagedProcess[] = [];
  let http: Array<ReturnType<typeof request>>;
  let token: string;

  beforeAll(async () => {
    expect(runCli(env, 'migrate').status).toBe(0);
    const name = uniqueName('limited');
    runCli(env, 'principal:create', name, '--permission', 'demo.run');
    token = runCli(env, 'token:create', name).stdout.trim();
    http = [];
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      const gateway = startGateway({ ...env, PORT: String(port) });
      gateways.push(gateway);
      await gateway.waitForOutput(/listening on/);
      http.push(request(`http://127.0.0.1:${port}`));
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all(gateways.map((child) => child.stop()));
    await deleteQueueKeys(loadAppConfig(env));
  });

  it('limits execute per token over both processes, answering 429 with Retry-After', async () => {
    const execute = (i: number) =>
      http[i % 2]
        .post('/api/v1/tasks/execute')
        .set('Authorization', `Bearer ${token}`)
        .send({ task_name: 'demo.add', kwargs: { a: 1, b: 1 } });
    for (let i = 0; i < 4; i++) expect((await execute(i)).status).toBe(202);
    const limited = await execute(4);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.body).toMatchObject({ statusCode: 429, message: expect.stringMatching(/RATE_LIMIT_EXECUTE/) });
    expect((await execute(5)).status).toBe(429);
    // Reads are not limited by it.
    await http[0].get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(200);
  });

  it('counts execute, upload and retry against one limit per token: no route is a way around it', async () => {
    const name = uniqueName('mixed');
    runCli(env, 'principal:create', name, '--permission', 'demo.run', '--permission', 'demo.files');
    const auth = `Bearer ${runCli(env, 'token:create', name).stdout.trim()}`;
    const execute = () =>
      http[0]
        .post('/api/v1/tasks/execute')
        .set('Authorization', auth)
        .send({ task_name: 'demo.add', kwargs: { a: 1, b: 1 } });
    const first = await execute().expect(202);
    await http[1].post(`/api/v1/executions/${first.body.execution_id}/cancel`).set('Authorization', auth).expect(202);
    await http[1].post(`/api/v1/executions/${first.body.execution_id}/retry`).set('Authorization', auth).expect(202);
    await http[0]
      .post('/api/v1/tasks/demo.checksum/upload')
      .set('Authorization', auth)
      .attach('file', Buffer.from('x'), 'x.txt')
      .expect(202);
    await execute().expect(202);
    // Four created, whichever way: the fifth is refused on every route.
    await execute().expect(429);
    await http[1].post(`/api/v1/executions/${first.body.execution_id}/retry`).set('Authorization', auth).expect(429);
    await http[0]
      .post('/api/v1/tasks/demo.checksum/upload')
      .set('Authorization', auth)
      .attach('file', Buffer.from('x'), 'x.txt')
      .expect(429);
  });

  it('answers 429 to failures past the limit, over both processes, and still serves a valid token from that address', async () => {
    for (let i = 0; i < 3; i++) {
      await http[i % 2].get('/api/v1/me').set('Authorization', `Bearer ${generateTokenSecret()}`).expect(401);
    }
    const blocked = await http[1].get('/api/v1/me').set('Authorization', `Bearer ${generateTokenSecret()}`);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(blocked.body.message).toMatch(/too many failed authentications/);
    expect((await http[0].get('/api/v1/me').set('Authorization', 'Bearer tgw_not-even-a-token')).status).toBe(429);
    // Failures never lock out the address's valid callers (a proxy or NAT shares one address).
    await http[0].get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(200);
    await http[1].get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(200);
    // Health stays open to probes.
    await http[0].get('/health/live').expect(200);
  });
});
