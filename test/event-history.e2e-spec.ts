import IORedis from 'ioredis';
import { eventsKey, HISTORY_LENGTH } from '../src/executions/event-keys';
import { createCaller, TestCaller } from './support/factories';
import { openSse } from './support/live-clients';
import { createTestApp, TestApp } from './support/test-app';
import { waitForExecution } from './support/wait-for';

/** Redis keeps a few KiB per execution whatever its size, and lets go of it with the execution (issue 14.7). */
describe('event history in Redis (e2e)', () => {
  let t: TestApp;
  let redis: IORedis;
  let caller: TestCaller;
  let port: number;

  beforeAll(async () => {
    t = await createTestApp({ env: { BODY_LIMIT: '2mb' } });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as { port: number }).port;
    redis = new IORedis(t.config.redisUrl);
    caller = await createCaller(t.app, { permissions: ['demo.run'] });
  });

  afterAll(async () => {
    redis.disconnect();
    await t.close();
  });

  it('keeps a short, small history for a large execution with many progress reports, and drops it on DELETE', async () => {
    const big = Array.from({ length: 15 }, (_, i) => `${i}`.padEnd(60_000, 'x')); // ≈ 900 KB of arguments
    const accepted = await t
      .http()
      .post('/api/v1/tasks/execute')
      .set('Authorization', caller.auth)
      .send({ task_name: 'demo.sleep', args: big, kwargs: { ms: 1500, steps: 30 } })
      .expect(202);
    const id = accepted.body.execution_id as string;
    await waitForExecution(t, caller.auth, id);
    const key = eventsKey(t.config.queuePrefix, id);

    const entries = await redis.xrange(key, '-', '+');
    expect(entries.length).toBeGreaterThan(1);
    expect(entries.length).toBeLessThanOrEqual(HISTORY_LENGTH);
    expect(Number(await redis.memory('USAGE', key))).toBeLessThan(16 * 1024);
    expect(entries.some(([, fields]) => fields.join('').includes('xxxx'))).toBe(false);

    // A client resuming from the very start still gets whole records, read from SQL, ending completed.
    const replay = openSse(port, `/api/v1/executions/${id}/events`, caller.secret, '0-1');
    await replay.ended;
    expect(replay.events.length).toBeGreaterThan(0);
    expect(replay.events.every((event) => event.data.args.length === 15 && event.data.id === id)).toBe(true);
    expect(replay.events[replay.events.length - 1].data).toMatchObject({ status: 'completed', is_complete: true, progress: 100 });

    await t.http().delete(`/api/v1/executions/${id}`).set('Authorization', caller.auth).expect(204);
    expect(await redis.exists(key)).toBe(0);
  });
});
