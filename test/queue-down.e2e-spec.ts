import { AuditEvent } from '../src/audit/audit-event.entity';
import { ApiToken } from '../src/auth/api-token.entity';
import { Execution } from '../src/executions/execution.entity';
import { createCaller, dataSource } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';

describe('execute while the queue is down (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    // Nothing listens on port 1: every enqueue fails.
    t = await createTestApp({ env: { REDIS_URL: 'redis://127.0.0.1:1', ROLE: 'api' } });
  });

  afterAll(() => t.close());

  it('answers 503 and leaves a failed record that says why, never a pending one', async () => {
    const caller = await createCaller(t.app, { permissions: ['demo.run'] });
    const response = await t
      .http()
      .post('/api/v1/tasks/execute')
      .set('Authorization', caller.auth)
      .send({ task_name: 'demo.add', kwargs: { a: 1, b: 2 } })
      .expect(503);
    expect(response.body).toMatchObject({
      statusCode: 503,
      error: 'Service Unavailable',
      message: expect.stringMatching(/queue is unavailable/),
    });
    const records = await dataSource(t.app).getRepository(Execution).findBy({ ownerId: caller.principal.id });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/^could not enqueue: /) });
    expect(records[0].completedAt).toBeInstanceOf(Date);
  });

  it('answers 503 to a caller with a quota, whose quota cannot be checked, and writes nothing (SPEC 7.13)', async () => {
    const caller = await createCaller(t.app, { permissions: ['demo.run'] });
    await dataSource(t.app)
      .getRepository(ApiToken)
      .update({ id: caller.token.id }, { quota: { per_hour: 5 } });
    const response = await t
      .http()
      .post('/api/v1/tasks/execute')
      .set('Authorization', caller.auth)
      .send({ task_name: 'demo.add', kwargs: { a: 1, b: 2 } })
      .expect(503);
    expect(response.body.message).toMatch(/^quotas cannot be checked: /);
    expect(await dataSource(t.app).getRepository(Execution).countBy({ ownerId: caller.principal.id })).toBe(0);
  });

  it('releases the Idempotency-Key of a request it could not enqueue, so the retry is a new attempt', async () => {
    const caller = await createCaller(t.app, { permissions: ['demo.run'] });
    const send = () =>
      t
        .http()
        .post('/api/v1/tasks/execute')
        .set('Authorization', caller.auth)
        .set('Idempotency-Key', 'k-1')
        .send({ task_name: 'demo.add', kwargs: { a: 1, b: 2 } });
    await send().expect(503);
    await send().expect(503);
    const records = await dataSource(t.app).getRepository(Execution).findBy({ ownerId: caller.principal.id });
    expect(records).toHaveLength(2);
    expect(records.every((record) => record.status === 'failed' && record.idempotencyKey === null)).toBe(true);
  });

  it('answers 503 to every request of a concurrent burst (written as one batch), each leaving a failed record with its audit row', async () => {
    const caller = await createCaller(t.app, { permissions: ['demo.run'] });
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        t
          .http()
          .post('/api/v1/tasks/execute')
          .set('Authorization', caller.auth)
          .send({ task_name: 'demo.add', kwargs: { a: 1, b: 2 } }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 503));
    const records = await dataSource(t.app).getRepository(Execution).findBy({ ownerId: caller.principal.id });
    expect(records).toHaveLength(20);
    expect(records.filter((record) => record.status !== 'failed' || !/^could not enqueue: /.test(record.error ?? ''))).toEqual([]);
    // The audit row is written with the record: the request was made, and the record says how it ended.
    const audited = await dataSource(t.app).getRepository(AuditEvent).findBy({ actorId: caller.principal.id, action: 'execution.execute' });
    expect(audited.map((row) => row.targetId).sort()).toEqual(records.map((record) => record.id).sort());
  });
});
