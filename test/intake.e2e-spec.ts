import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { In } from 'typeorm';
import * as bulkInserts from '../src/database/bulk-insert';
import { AuditEvent } from '../src/audit/audit-event.entity';
import { Execution } from '../src/executions/execution.entity';
import { ExecutionIntake } from '../src/executions/execution-intake';
import { jobFor } from '../src/queue/execution-queues';
import { toBullPriority } from '../src/queue/execution-job';
import { randomUUID } from 'node:crypto';
import { createCaller, dataSource } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';

/** Executes arriving together are written together: the records, their jobs and the audit rows. */
describe('execution intake in batches (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    // No worker: the records stay as the intake leaves them.
    t = await createTestApp({ env: { ROLE: 'api', RECONCILE_INTERVAL_MS: '0', RATE_LIMIT_EXECUTE: '0' } });
  });

  afterAll(() => t.close());

  it('accepts a concurrent burst in fewer INSERTs than requests, each with its record, job and audit row', async () => {
    const caller = await createCaller(t.app, { permissions: ['demo.run'] });
    const repository = dataSource(t.app).getRepository(Execution);
    const inserts = jest.spyOn(bulkInserts, 'bulkInsert');
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        t
          .http()
          .post('/api/v1/tasks/execute')
          .set('Authorization', caller.auth)
          .send({ task_name: 'demo.add', kwargs: { a: i, b: 1 }, priority: 1 + (i % 100) }),
      ),
    );
    // The intake writes through bulkInsert, the records (first) with their audit rows: count those writes.
    const insertCalls = inserts.mock.calls.filter(([first]) => first.repository.target === Execution).length;
    inserts.mockRestore();
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 202));
    expect(insertCalls).toBeGreaterThan(0);
    expect(insertCalls).toBeLessThan(40);

    const ids = answers.map((answer) => answer.body.execution_id as string);
    const records = await repository.findBy({ id: In(ids) });
    expect(records).toHaveLength(40);
    expect(records.filter((record) => record.status !== 'pending')).toEqual([]);
    const byId = new Map(records.map((record) => [record.id, record]));
    // Each answer names the record made from its own request.
    expect(answers.map((answer) => byId.get(answer.body.execution_id)?.kwargs)).toEqual(answers.map((_, i) => ({ a: i, b: 1 })));

    const audited = await dataSource(t.app)
      .getRepository(AuditEvent)
      .findBy({ action: 'execution.execute', targetId: In(ids) });
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

  it('fails only the request whose record the database refuses when a batch insert fails, and writes the rest', async () => {
    const caller = await createCaller(t.app, { permissions: ['demo.run'] });
    const repository = dataSource(t.app).getRepository(Execution);
    const record = (id: string) =>
      repository.create({
        id,
        taskName: 'demo.add',
        status: 'pending',
        args: [],
        kwargs: { a: 1, b: 2 },
        result: null,
        progress: 0,
        resource: null,
        ownerId: caller.principal.id,
        jobId: id,
        attempts: 0,
        maxAttempts: 1,
        priority: 50,
        queue: 'default',
        timeoutMs: null,
        retriedFrom: null,
        fileName: null,
        fileSize: null,
        filePath: null,
        createdAt: new Date(),
        updatedAt: new Date(),
      });
    const taken = randomUUID();
    await repository.insert(record(taken));
    const ids = [randomUUID(), randomUUID(), taken, randomUUID(), randomUUID()];
    const who = { id: caller.principal.id, name: caller.principal.name, tokenId: null, address: null };
    const intake = t.app.get(ExecutionIntake);
    // Admitted in one turn of the event loop: one batch, whose INSERT the duplicate id makes fail.
    const outcomes = await Promise.allSettled(
      ids.map((id) => {
        const execution = record(id);
        return intake.admit({
          execution,
          job: jobFor(execution, undefined, 0),
          decision: { outcome: 'run', permissions: [] },
          audit: { who, action: 'execution.execute', target: { type: 'execution', id } },
        });
      }),
    );
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const written = await repository.findBy({ id: In(ids.filter((id) => id !== taken)) });
    expect(written.map((row) => row.status)).toEqual(['pending', 'pending', 'pending', 'pending']);
    const audited = await dataSource(t.app)
      .getRepository(AuditEvent)
      .findBy({ action: 'execution.execute', targetId: In(ids) });
    expect(audited.map((row) => row.targetId).sort()).toEqual(ids.filter((id) => id !== taken).sort());
  });
});
