import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { In, InsertQueryBuilder } from 'typeorm';
import { AuditEvent } from '../src/audit/audit-event.entity';
import { Execution } from '../src/executions/execution.entity';
import { toBullPriority } from '../src/queue/execution-job';
import { createCaller, dataSource } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';

/** Executes arriving together are written together: the records, their jobs, enqueued_at and the audit rows. */
describe('execution intake in batches (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    // No worker: the records stay as the intake leaves them.
    t = await createTestApp({ env: { ROLE: 'api', RECONCILE_INTERVAL_MS: '0', RATE_LIMIT_EXECUTE: '0' } });
  });

  afterAll(() => t.close());

  it('accepts a concurrent burst in fewer INSERTs than requests, each with its record, job, enqueued_at and audit row', async () => {
    const caller = await createCaller(t.app, { permissions: ['demo.run'] });
    const repository = dataSource(t.app).getRepository(Execution);
    const inserts = jest.spyOn(InsertQueryBuilder.prototype, 'execute');
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        t.http().post('/api/v1/tasks/execute').set('Authorization', caller.auth).send({ task_name: 'demo.add', kwargs: { a: i, b: 1 }, priority: 1 + (i % 100) }),
      ),
    );
    // Every INSERT of the app runs through this prototype: count those into executions.
    const insertCalls = inserts.mock.contexts.filter((context) => (context as InsertQueryBuilder<Execution>).expressionMap.mainAlias?.target === Execution).length;
    inserts.mockRestore();
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 202));
    expect(insertCalls).toBeGreaterThan(0);
    expect(insertCalls).toBeLessThan(40);

    const ids = answers.map((answer) => answer.body.execution_id as string);
    const records = await repository.findBy({ id: In(ids) });
    expect(records).toHaveLength(40);
    expect(records.filter((record) => record.status !== 'pending' || !(record.enqueuedAt instanceof Date))).toEqual([]);
    const byId = new Map(records.map((record) => [record.id, record]));
    // Each answer names the record made from its own request.
    expect(answers.map((answer) => byId.get(answer.body.execution_id)?.kwargs)).toEqual(answers.map((_, i) => ({ a: i, b: 1 })));

    const audited = await dataSource(t.app).getRepository(AuditEvent).findBy({ action: 'execution.execute', targetId: In(ids) });
    expect(audited.map((row) => row.targetId).sort()).toEqual([...ids].sort());

    const connection = new IORedis(t.config.redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue('default', { connection, prefix: t.config.queuePrefix });
    try {
      const jobs = await Promise.all(ids.map((id) => queue.getJob(id)));
      expect(jobs.map((job) => job?.data.executionId)).toEqual(ids);
      // Each job keeps its own options in a bulk add.
      expect(jobs.map((job) => job?.opts.priority)).toEqual(ids.map((id) => toBullPriority(byId.get(id)!.priority!)));
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });
});
