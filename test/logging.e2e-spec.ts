import { readFileSync } from 'node:fs';
import { generateTokenSecret } from '../src/auth/token-secret';
import { createCaller } from './support/factories';
import { openSse } from './support/live-clients';
import { createTestApp, TestApp } from './support/test-app';
import { pollUntil, waitForExecution } from './support/wait-for';

describe('logs (e2e)', () => {
  let t: TestApp;
  let lines: Array<Record<string, any>>;
  let executionId: string;
  let secret: string;

  beforeAll(async () => {
    t = await createTestApp({ env: { LOG_LEVEL: 'debug' } });
    await t.app.listen(0, '127.0.0.1');
    const port = (t.app.getHttpServer().address() as { port: number }).port;
    const caller = await createCaller(t.app, { permissions: ['demo.run'] });
    secret = caller.secret;
    const accepted = await t
      .http()
      .post('/api/v1/tasks/execute')
      .set('Authorization', caller.auth)
      .send({ task_name: 'demo.add', kwargs: { a: 1, b: 2 }, resource: `note ${secret}` })
      .expect(202);
    executionId = accepted.body.execution_id;
    await waitForExecution(t, caller.auth, executionId);
    const stream = openSse(port, `/api/v1/executions/${executionId}/events?token=${secret}`, null);
    await stream.ended;
    await t.http().get('/api/v1/me').set('Authorization', `Bearer ${generateTokenSecret()}`).expect(401);
    await t.http().post('/api/v1/tasks/execute').set('Authorization', caller.auth).send({ task_name: secret }).expect(404);
    // Log lines are written asynchronously; the 404 is the last request, so once it is there, so is everything before.
    const read = () =>
      readFileSync(t.config.logFile, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, any>);
    lines = await pollUntil(read, (all) => all.some((line) => line.res?.statusCode === 404), { timeoutMs: 5_000, intervalMs: 20 });
  });

  afterAll(() => t.close());

  it('writes one JSON line per request, with method, redacted URL and status', () => {
    const requests = lines.filter((line) => line.req && line.res);
    const sse = requests.find((line) => line.req.url.includes('/events'));
    expect(sse?.req.url).toBe(`/api/v1/executions/${executionId.slice(0, 8)}…/events?token=[REDACTED]`);
    expect(
      requests.some((line) => line.req.method === 'POST' && line.req.url === '/api/v1/tasks/execute' && line.res.statusCode === 202),
    ).toBe(true);
    expect(requests.some((line) => line.res.statusCode === 401)).toBe(true);
    expect(requests.every((line) => line.req.headers === undefined)).toBe(true);
  });

  it('writes a line per execution state change, with the id masked', () => {
    const changes = lines.filter((line) => line.event === 'execution.status');
    expect(changes.map((line) => line.status)).toEqual(expect.arrayContaining(['running', 'completed']));
    expect(changes.every((line) => line.execution === `${executionId.slice(0, 8)}…`)).toBe(true);
  });

  it('contains no token and no full execution id anywhere', () => {
    const text = JSON.stringify(lines);
    expect(text).not.toContain(secret);
    expect(text).not.toMatch(/tgw_[A-Za-z0-9_-]{40}/);
    expect(text).not.toContain(executionId);
  });
});
