import { RedisServer } from './support/redis-server';
import { createTestApp, TestApp } from './support/test-app';
import { pollUntil } from './support/wait-for';

/** Readiness follows its dependencies: an own Redis on another port is stopped and started again. */
describe('GET /health/live and /health/ready (e2e)', () => {
  let t: TestApp;
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await RedisServer.start();
    t = await createTestApp({ env: { REDIS_URL: redis.url, ROLE: 'api' } });
  });

  afterAll(async () => {
    await t?.close();
    await redis?.stop();
  });

  const ready = () => t.http().get('/health/ready');
  const eventually = (status: number) =>
    pollUntil(
      async () => await ready(),
      (answer) => answer.status === status,
      { timeoutMs: 15_000, intervalMs: 200 },
    );

  it('answers live and ready without a token while the database and Redis answer', async () => {
    expect((await t.http().get('/health/live').expect(200)).body).toEqual({ status: 'ok' });
    const response = await ready().expect(200);
    expect(response.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' }, redis: { status: 'up' } } });
  });

  it('turns 503 when Redis stops, naming it, and 200 again once Redis is back', async () => {
    await redis.stop();
    const down = await eventually(503);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ status: 'error', error: { redis: { status: 'down' } }, info: { database: { status: 'up' } } });
    // What is down, never how: no driver message, host or port on a public route.
    expect(down.body.error.redis).toEqual({ status: 'down' });
    expect(JSON.stringify(down.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|localhost|:\d{4,5}|message/i);
    expect((await t.http().get('/health/live')).status).toBe(200);

    await redis.restart();
    const up = await eventually(200);
    expect(up.status).toBe(200);
    expect(up.body.info.redis.status).toBe('up');
  });
});
