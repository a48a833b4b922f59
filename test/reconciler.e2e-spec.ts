import { Logger } from '@nestjs/common';
import { UnrecoverableError, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { Repository } from 'typeorm';
import { loadAppConfig } from '../src/config/load-app-config';
import { Execution } from '../src/executions/execution.entity';
import { ABANDONED_REASON } from '../src/executions/takeover-rule';
import { EXECUTION_JOB_NAME } from '../src/queue/execution-job';
import { ExecutionQueues } from '../src/queue/execution-queues';
import { LazyRedis } from '../src/queue/redis-connection';
import { RedisPolicyCheck } from '../src/queue/redis-policy-check';
import { ExecutionReconciler } from '../src/reconciler/execution-reconciler';
import { ReconcilerLock } from '../src/reconciler/reconciler-lock';
import { createCaller, dataSource, TestCaller } from './support/factories';
import { startTestScript } from './support/processes';
import { RedisServer } from './support/redis-server';
import { createTestApp, TestApp } from './support/test-app';
import { testEnv } from './support/test-config';
import { pollUntil, waitForExecution } from './support/wait-for';
import { setTimeout as sleep } from 'node:timers/promises';

/** A short lease, so the lock tests take a few seconds. */
const LEASE_MS = 600;
/** Several leases: a holder that did not renew would have lost the lock by then. */
const HELD_BEYOND_LEASE_MS = 3 * LEASE_MS;

/**
 * The reconciler on one app (API and worker in one process), each inconsistency made by hand: a
 * job removed from Redis, a record set `running` as a dead worker would leave it. Rounds are run
 * directly (RECONCILE_INTERVAL_MS=0), with no grace unless the case is about the grace.
 * A record changed by hand gets `updated_at` from the application clock, as the app writes it: left
 * to TypeORM it would be the database's CURRENT_TIMESTAMP (microseconds on PostgreSQL), which can
 * lie after a cutoff the app takes in the same millisecond.
 */
describe('the reconciler (e2e)', () => {
  let t: TestApp;
  let caller: TestCaller;
  let records: Repository<Execution>;
  let queues: ExecutionQueues;
  let reconciler: ExecutionReconciler;

  beforeAll(async () => {
    t = await createTestApp({ env: { RECONCILE_INTERVAL_MS: '0', STALLED_INTERVAL_MS: '1000' } });
    caller = await createCaller(t.app, { permissions: ['demo.run'] });
    records = dataSource(t.app).getRepository(Execution);
    queues = t.app.get(ExecutionQueues);
    reconciler = t.app.get(ExecutionReconciler);
  });

  afterAll(() => t.close());

  /** A pending record whose job is delayed for a minute: a worker will not touch it meanwhile. */
  const delayedExecution = async (kwargs = { a: 2, b: 3 }): Promise<string> => {
    const { body } = await t
      .http()
      .post('/api/v1/tasks/execute')
      .set('Authorization', caller.auth)
      .send({ task_name: 'demo.add', kwargs, delay_ms: 60_000 })
      .expect(202);
    return body.execution_id;
  };
  /** Changes a record as a worker that died a second ago would have left it. */
  const leaveBehind = (id: string, fields: Partial<Execution>) =>
    records.update({ id }, { ...fields, updatedAt: new Date(Date.now() - 1000) });
  /** The same record with its job gone from Redis, as after a FLUSHALL or a crash before the enqueue. */
  const executionWithoutJob = async (): Promise<string> => {
    const id = await delayedExecution();
    expect(await queues.remove('default', id)).toBe(true);
    expect(await queues.states('default', [id])).toEqual(['unknown']);
    return id;
  };

  it('enqueues a pending record whose job is missing; it then completes once', async () => {
    const id = await executionWithoutJob();
    const counts = await reconciler.round(0);
    expect(counts.enqueue).toBeGreaterThanOrEqual(1);
    const done = await waitForExecution(t, caller.auth, id);
    expect(done).toMatchObject({ status: 'completed', result: 5, attempts: 1 });
  });

  it('leaves a pending record alone while its job lives in Redis (delayed here)', async () => {
    const id = await delayedExecution();
    await reconciler.round(0);
    expect(await queues.states('default', [id])).toEqual(['delayed']);
    expect(await records.findOneByOrFail({ id })).toMatchObject({ status: 'pending', attempts: 0 });
    await queues.remove('default', id);
  });

  it('leaves records touched within the grace period alone', async () => {
    const id = await executionWithoutJob();
    const counts = await reconciler.round(60_000);
    expect(counts.checked).toBe(0);
    expect(await queues.states('default', [id])).toEqual(['unknown']);
    await records.update({ id }, { status: 'cancelled' });
  });

  it('requeues a pending record whose job already failed in BullMQ, carrying the attempts used', async () => {
    // A queue no worker of the app consumes, so the job can be failed by hand and then watched.
    const queueName = 'reconcile-test';
    const id = await executionWithoutJob();
    await leaveBehind(id, { queue: queueName, attempts: 1, maxAttempts: 3 });
    await queues.get(queueName).add(EXECUTION_JOB_NAME, { executionId: id }, { jobId: id });
    const connection = new IORedis(t.config.redisUrl, { maxRetriesPerRequest: null });
    const failing = new Worker(
      queueName,
      async () => {
        throw new UnrecoverableError('every claim failed');
      },
      { connection, prefix: t.config.queuePrefix },
    );
    try {
      await pollUntil(
        () => queues.states(queueName, [id]),
        ([state]) => state === 'failed',
        { timeoutMs: 5000, intervalMs: 50 },
      );
    } finally {
      await failing.close();
      connection.disconnect();
    }
    expect(await queues.states(queueName, [id])).toEqual(['failed']);

    const counts = await reconciler.round(0);
    expect(counts.requeue).toBeGreaterThanOrEqual(1);
    expect(await queues.states(queueName, [id])).toEqual(['prioritized']); // waiting, with the record's priority
    const job = await queues.get(queueName).getJob(id);
    expect(job?.data).toEqual({ executionId: id, attemptsBefore: 1 });
    expect(job?.opts.attempts).toBe(2);
    expect(await records.findOneByOrFail({ id })).toMatchObject({ status: 'pending', attempts: 1 });
    await queues.remove(queueName, id);
    await records.update({ id }, { status: 'cancelled' });
  });

  it('requeues a running record whose worker and job are gone while an attempt remains; the next attempt completes it', async () => {
    const id = await executionWithoutJob();
    await leaveBehind(id, { status: 'running', attempts: 1, startedAt: new Date() });
    const counts = await reconciler.round(0);
    expect(counts.requeue).toBeGreaterThanOrEqual(1);
    const done = await waitForExecution(t, caller.auth, id);
    expect(done).toMatchObject({ status: 'completed', result: 5, attempts: 2, error: null });
  });

  it('fails a running record whose job is gone when no attempt is left, saying why', async () => {
    const id = await executionWithoutJob();
    await leaveBehind(id, { status: 'running', attempts: 2, startedAt: new Date() });
    const counts = await reconciler.round(0);
    expect(counts.fail).toBeGreaterThanOrEqual(1);
    expect(await records.findOneByOrFail({ id })).toMatchObject({ status: 'failed', attempts: 2, error: ABANDONED_REASON });
    expect(await queues.states('default', [id])).toEqual(['unknown']);
  });

  it('takes a record last written exactly at the cutoff as untouched for the grace', async () => {
    const id = await executionWithoutJob();
    const lastWrite = new Date(Date.now() - 5000);
    await records.update({ id }, { status: 'running', attempts: 2, startedAt: lastWrite, updatedAt: lastWrite });
    const counts = await reconciler.round(1000, new Date(lastWrite.getTime() + 1000));
    expect(counts.fail).toBeGreaterThanOrEqual(1);
    expect(await records.findOneByOrFail({ id })).toMatchObject({ status: 'failed', error: ABANDONED_REASON });
  });

  it('lets a redelivered job take a running record over as the next attempt', async () => {
    const id = await executionWithoutJob();
    await leaveBehind(id, { status: 'running', attempts: 1, startedAt: new Date() });
    // A job that BullMQ hands on after a dead worker: it counts one more start than the record.
    await queues.get('default').add(EXECUTION_JOB_NAME, { executionId: id, attemptsBefore: 1 }, { jobId: id });
    const done = await waitForExecution(t, caller.auth, id);
    expect(done).toMatchObject({ status: 'completed', attempts: 2 });
  });

  it('has a redelivered job with no attempt left fail the record instead of running the handler', async () => {
    const id = await executionWithoutJob();
    await leaveBehind(id, { status: 'running', attempts: 2, startedAt: new Date() });
    await queues.get('default').add(EXECUTION_JOB_NAME, { executionId: id, attemptsBefore: 2 }, { jobId: id });
    const done = await waitForExecution(t, caller.auth, id);
    expect(done).toMatchObject({ status: 'failed', attempts: 2, error: ABANDONED_REASON, result: null });
  });

  describe('executions an external service reports on (PATCH)', () => {
    let reporter: TestCaller;
    beforeAll(async () => {
      reporter = await createCaller(t.app, { permissions: ['demo.run', 'executions.update'] });
    });
    const taken = async (extra: object = {}): Promise<string> => {
      const { body } = await t
        .http()
        .post('/api/v1/tasks/execute')
        .set('Authorization', reporter.auth)
        .send({ task_name: 'demo.add', kwargs: { a: 1, b: 1 }, delay_ms: 60_000, ...extra })
        .expect(202);
      await t
        .http()
        .patch(`/api/v1/executions/${body.execution_id}`)
        .set('Authorization', reporter.auth)
        .send({ status: 'running' })
        .expect(200);
      return body.execution_id;
    };

    it('takes the execution off the queue and leaves it to its reporter: no worker or round runs it again', async () => {
      const id = await taken();
      expect(await queues.states('default', [id])).toEqual(['unknown']);
      expect(await records.findOneByOrFail({ id })).toMatchObject({ status: 'running', jobId: null, attempts: 1 });
      // A stale copy of its job, as if the removal had lost a race with a worker: the claim skips it.
      await queues.get('default').add(EXECUTION_JOB_NAME, { executionId: id }, { jobId: id });
      await pollUntil(
        () => queues.states('default', [id]),
        ([state]) => state === 'completed',
        { timeoutMs: 10_000, intervalMs: 50 },
      );
      await reconciler.round(0);
      expect(await records.findOneByOrFail({ id })).toMatchObject({ status: 'running', attempts: 1, result: null });
      const done = await t
        .http()
        .patch(`/api/v1/executions/${id}`)
        .set('Authorization', reporter.auth)
        .send({ status: 'completed' })
        .expect(200);
      expect(done.body).toMatchObject({ status: 'completed', attempts: 1 });
    });

    it('ends it timeout once its timeout_ms has passed with no final report, and only then', async () => {
      const id = await taken({ timeout_ms: 400 });
      await reconciler.round(0);
      expect((await records.findOneByOrFail({ id })).status).toBe('running');
      const ended = await pollUntil(
        async () => {
          await reconciler.round(0);
          return records.findOneByOrFail({ id });
        },
        (record) => record.status === 'timeout',
        { timeoutMs: 10_000, intervalMs: 100 },
      );
      expect(ended.error).toMatch(/timed out after 400 ms without a final report/);
      expect(Date.parse(ended.completedAt!.toISOString()) - ended.startedAt!.getTime()).toBeGreaterThanOrEqual(400);
    });

    it('returns it to the queue when its reporter hands it back (running → pending), and a worker runs it', async () => {
      const id = await taken();
      await t.http().patch(`/api/v1/executions/${id}`).set('Authorization', reporter.auth).send({ status: 'pending' }).expect(200);
      // A worker picks it up at once: the record only says, in the end, that it ran here.
      expect(await waitForExecution(t, reporter.auth, id)).toMatchObject({ status: 'completed', result: 2, job_id: id, attempts: 2 });
    });
  });

  it('lets one process at a time hold the reconciler lock, renewing its lease while the holder works', async () => {
    const redis = new LazyRedis(t.config.redisUrl, 'limiter');
    const key = `${t.config.queuePrefix}:test-lock`;
    try {
      const first = new ReconcilerLock(redis, key, LEASE_MS);
      const second = new ReconcilerLock(redis, key, LEASE_MS);
      const lease = await first.acquire();
      expect(lease).not.toBeNull();
      expect(await second.acquire()).toBeNull();
      // Past several leases the live holder still holds it: the renewals keep it.
      await sleep(HELD_BEYOND_LEASE_MS);
      expect(await second.acquire()).toBeNull();
      expect(lease!.signal.aborted).toBe(false);
      await lease!.release();
      const again = await second.acquire();
      expect(again).not.toBeNull();
      await again!.release();
    } finally {
      redis.disconnect();
    }
  });

  it('frees the lock within a lease of its holder being killed mid-round', async () => {
    const key = `${t.config.queuePrefix}:killed-holder-lock`;
    const holder = startTestScript('lock-holder', {
      ...process.env,
      REDIS_URL: t.config.redisUrl,
      LOCK_KEY: key,
      LEASE_MS: String(LEASE_MS),
    });
    await holder.waitForOutput(/holding the lock/, 30_000);
    const redis = new LazyRedis(t.config.redisUrl, 'limiter');
    try {
      const next = new ReconcilerLock(redis, key, LEASE_MS);
      expect(await next.acquire()).toBeNull();
      await holder.stop('SIGKILL');
      const killedAt = Date.now();
      const lease = await pollUntil(
        () => next.acquire(),
        (taken) => taken !== null,
        { timeoutMs: LEASE_MS + 5_000, intervalMs: 50 },
      );
      expect(Date.now() - killedAt).toBeLessThanOrEqual(LEASE_MS + 1_000);
      await lease!.release();
    } finally {
      redis.disconnect();
      if (holder.running) await holder.stop('SIGKILL');
    }
  });
});

describe('the Redis eviction policy check (e2e)', () => {
  it('warns when Redis may evict keys, and stays quiet on noeviction', async () => {
    const redis = await RedisServer.start();
    const client = new IORedis(redis.url);
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      const check = new RedisPolicyCheck(loadAppConfig(testEnv({ REDIS_URL: redis.url })));
      await client.config('SET', 'maxmemory-policy', 'allkeys-lru');
      expect(await check.check()).toBe('allkeys-lru');
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('maxmemory-policy is "allkeys-lru"'));
      warn.mockClear();
      await client.config('SET', 'maxmemory-policy', 'noeviction');
      expect(await check.check()).toBe('noeviction');
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
      client.disconnect();
      await redis.stop();
    }
  });
});
