import { randomUUID } from 'node:crypto';
import { In, Repository } from 'typeorm';
import { Execution } from '../src/executions/execution.entity';
import { ExecutionStatus } from '../src/executions/execution-status';
import { BatchedRunWrites } from '../src/worker/batched-run-writes';
import { createCaller, dataSource } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';
import { waitForExecution } from './support/wait-for';

/** The worker's claims and completions, many runs to a statement, with the fences of the single-row writes. */
describe('batched claims and completions (e2e)', () => {
  let t: TestApp;
  let records: Repository<Execution>;
  let ownerId: string;
  let sut: BatchedRunWrites;

  beforeAll(async () => {
    // No reconciler: the records made here have no jobs, and must stay as they are written.
    t = await createTestApp({ env: { RECONCILE_INTERVAL_MS: '0', RATE_LIMIT_EXECUTE: '0' } });
    records = dataSource(t.app).getRepository(Execution);
    ownerId = (await createCaller(t.app, { permissions: ['demo.run'] })).principal.id;
    sut = t.app.get(BatchedRunWrites);
  });

  afterAll(() => t.close());

  const record = async (status: ExecutionStatus, attempts: number, maxAttempts = 3) => {
    const id = randomUUID();
    const now = new Date();
    await records.insert(
      records.create({
        ...{ id, taskName: 'demo.add', status, args: [], kwargs: {}, result: null, progress: 0, resource: null, ownerId, jobId: id },
        ...{ attempts, maxAttempts, priority: 50, queue: 'default', timeoutMs: null, retriedFrom: null, createdAt: now, updatedAt: now },
      }),
    );
    return id;
  };

  it('claims pending records and redelivered running ones with attempts left, and nothing else, in one call', async () => {
    const pending = await record('pending', 0);
    const redelivered = await record('running', 1);
    const stillRunning = await record('running', 1);
    const exhausted = await record('running', 3, 3);
    const finished = await record('completed', 1);
    const missing = randomUUID();
    const now = new Date(Date.now() - 1000);
    const claimed = await sut.claimMany([
      { id: pending, jobStarts: 1, now },
      { id: redelivered, jobStarts: 2, now },
      { id: stillRunning, jobStarts: 1, now },
      { id: exhausted, jobStarts: 4, now },
      { id: finished, jobStarts: 2, now },
      { id: missing, jobStarts: 1, now },
    ]);
    expect(claimed.map((run) => run && { id: run.id, status: run.status, attempts: run.attempts })).toEqual([
      { id: pending, status: 'running', attempts: 1 },
      { id: redelivered, status: 'running', attempts: 2 },
      null,
      null,
      null,
      null,
    ]);
    // The returned records are whole entities, dates included.
    expect(claimed[0]?.startedAt?.getTime()).toBe(now.getTime());
    expect(claimed[0]?.kwargs).toEqual({});
    const stored = await records.findBy({ id: In([pending, redelivered, stillRunning, exhausted, finished]) });
    const byId = new Map(stored.map((row) => [row.id, row]));
    expect(byId.get(stillRunning)).toMatchObject({ status: 'running', attempts: 1 });
    expect(byId.get(exhausted)).toMatchObject({ status: 'running', attempts: 3 });
    expect(byId.get(finished)).toMatchObject({ status: 'completed', attempts: 1 });
  });

  it('completes only the runs that still own their record (same attempt, still running)', async () => {
    const mine = await record('running', 1);
    const superseded = await record('running', 2);
    const cancelled = await record('cancelled', 1);
    const now = new Date();
    const written = await sut.completeMany([
      { id: mine, attempts: 1, result: { sum: 3, text: 'ünïcode' }, now, durationMs: 12 },
      { id: superseded, attempts: 1, result: 1, now, durationMs: 5 },
      { id: cancelled, attempts: 1, result: 2, now, durationMs: 5 },
    ]);
    expect(written).toEqual([true, false, false]);
    expect(await records.findOneByOrFail({ id: mine })).toMatchObject({
      status: 'completed',
      result: { sum: 3, text: 'ünïcode' },
      progress: 100,
      durationMs: 12,
      completedAt: now,
      updatedAt: now,
    });
    expect(await records.findOneByOrFail({ id: superseded })).toMatchObject({ status: 'running', result: null });
    expect(await records.findOneByOrFail({ id: cancelled })).toMatchObject({ status: 'cancelled', result: null });
  });

  it('serves a burst of executions with fewer claim and completion statements than runs', async () => {
    const caller = await createCaller(t.app, { permissions: ['demo.run'] });
    const claims = jest.spyOn(BatchedRunWrites.prototype, 'claimMany');
    const completions = jest.spyOn(BatchedRunWrites.prototype, 'completeMany');
    try {
      const answers = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          t
            .http()
            .post('/api/v1/tasks/execute')
            .set('Authorization', caller.auth)
            .send({ task_name: 'demo.add', kwargs: { a: i, b: 1 } }),
        ),
      );
      const done = await Promise.all(answers.map((answer) => waitForExecution(t, caller.auth, answer.body.execution_id)));
      expect(done.map((execution) => [execution.status, execution.result, execution.attempts])).toEqual(
        done.map((_, i) => ['completed', i + 1, 1]),
      );
      const claimed = claims.mock.calls.map(([batch]) => batch.length);
      const completed = completions.mock.calls.map(([batch]) => batch.length);
      expect(claimed.reduce((sum, size) => sum + size, 0)).toBe(30);
      expect(completed.reduce((sum, size) => sum + size, 0)).toBe(30);
      expect(claimed.length).toBeLessThan(30);
      expect(completed.length).toBeLessThan(30);
    } finally {
      claims.mockRestore();
      completions.mockRestore();
    }
  });
});
