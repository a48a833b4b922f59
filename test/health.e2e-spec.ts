import { freePort, GatewayProcess, startRedis, stopProcess } from './support/processes';
import { createTestApp, TestApp } from './support/test-app';

/** Readiness follows its dependencies: an own Redis on another port is stopped and started again. */
describe('GET /health/live and /health/ready (e2e)', () => {
  let t: TestApp;
  let redis: GatewayProcess;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(port);
    t = await createTestApp({ env: { REDIS_URL: `redis://127.0.0.1:${port}`, ROLE: 'api' } });
  });

  afterAll(async () => {
    await t?.close();
    if (redis) await stopProcess(redis);
  });

  const ready = () => t.http().get('/health/ready');
  const eventually = async (status: number, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    let last = await ready();
    while (last.status !== status && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      last = await ready();
    }
    return last;
  };

  it('answers live and ready without a token while the database and Redis answer', async () => {
    expect((await t.http().get('/health/live').expect(200)).body).toEqual({ status: 'ok' });
    const response = await ready().expect(200);
    expect(response.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' }, redis: { status: 'up' } } });
  });

  it('turns 503 when Redis stops, naming it, and 200 again once Redis is back', async () => {
    await stopProcess(redis);
    const down = await eventually(503);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ status: 'error', error: { redis: { status: 'down' } }, info: { database: { status: 'up' } } });
    expect((await t.http().get('/health/live')).status).toBe(200);

    redis = await startRedis(port);
    const up = await eventually(200);
    expect(up.status).toBe(200);
    expect(up.body.info.redis.status).toBe('up');
  });
});
