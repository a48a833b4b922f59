import { Injectable, Module } from '@nestjs/common';
import IORedis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { In } from 'typeorm';
import { AuditEvent } from '../src/audit/audit-event.entity';
import { eventsKey } from '../src/executions/event-keys';
import { Execution } from '../src/executions/execution.entity';
import { ExecutionStatus } from '../src/executions/execution-status';
import { LazyRedis } from '../src/queue/redis-connection';
import { ReconcilerLock } from '../src/reconciler/reconciler-lock';
import { SCHEDULE_LEASE_MS } from '../src/reconciler/locked-schedule';
import { retentionLockKey, RetentionSchedule } from '../src/retention/retention-schedule';
import { RetentionSweeper } from '../src/retention/retention-sweeper';
import { ApiTask } from '../src/task-registry/api-task.decorator';
import { WebhookDelivery } from '../src/webhooks/webhook-delivery.entity';
import { createCaller, dataSource, insertExecution, TestCaller, uniqueName } from './support/factories';
import { parsePrometheusText, sampleValue } from './support/prometheus-text';
import { createTestApp, TestApp } from './support/test-app';
import { pollUntil } from './support/wait-for';

/** Tasks of this suite only, so its sweeps and counts touch nothing another suite made. */
@Injectable()
export class RetentionTasks {
  @ApiTask(['retention.run'], 'Kept a week after it finished', { name: 'retention.weekly', retain: '7d' })
  weekly() {
    return 'weekly';
  }

  @ApiTask(['retention.run'], 'Kept forever', { name: 'retention.forever', retain: 0 })
  forever() {
    return 'forever';
  }

  @ApiTask(['retention.run'], 'Follows RETENTION', { name: 'retention.default' })
  byDefault() {
    return 'default';
  }
}

@Module({ providers: [RetentionTasks] })
class RetentionTasksModule {}

const DAY = 86_400_000;
/**
 * The sweeps here run as of this instant: everything they may remove finished before it, long
 * before any row another suite writes (CI's PostgreSQL database is shared by every suite).
 */
const NOW = new Date('2000-01-01T00:00:00.000Z');
const daysBefore = (days: number) => new Date(NOW.getTime() - days * DAY);

describe('retention (e2e)', () => {
  let t: TestApp;
  let alice: TestCaller;
  let redis: IORedis;

  beforeAll(async () => {
    // RETENTION (30d) and AUDIT_RETENTION (365d) at their defaults; sweeps triggered by the spec.
    t = await createTestApp({ env: { STATISTICS_CACHE_MS: '0', RECONCILE_INTERVAL_MS: '0' }, taskModules: [RetentionTasksModule] });
    alice = await createCaller(t.app, { permissions: ['retention.run'], name: uniqueName('keeper') });
    redis = new IORedis(t.config.redisUrl);
  });

  afterAll(async () => {
    redis.disconnect();
    await t.close();
  });

  const records = () => dataSource(t.app).getRepository(Execution);
  const remaining = async (ids: string[]) =>
    (await records().findBy({ id: In(ids) })).map((row) => row.id).sort((a, b) => ids.indexOf(a) - ids.indexOf(b));
  const sweep = async (app: TestApp = t) => (await app.app.get(RetentionSchedule).tick(NOW))!;
  const finished = (taskName: string, completedDaysBefore: number, fields: Partial<Execution> = {}) =>
    insertExecution(t.app, alice.principal.id, {
      taskName,
      status: 'completed',
      createdAt: daysBefore(completedDaysBefore + 1),
      startedAt: daysBefore(completedDaysBefore + 1),
      completedAt: daysBefore(completedDaysBefore),
      ...fields,
    });
  const storedFile = () => {
    mkdirSync(t.config.storageDir, { recursive: true });
    const path = join(t.config.storageDir, `retention-${randomUUID()}`);
    writeFileSync(path, 'kept for a while');
    return path;
  };
  const statistics = async () =>
    (await t.http().get('/api/v1/executions/statistics?task_name=retention.default').set('Authorization', alice.auth).expect(200)).body;

  it('removes finished executions past RETENTION with their upload, event history and webhook deliveries, and nothing else', async () => {
    const expiredFile = storedFile();
    const sharedFile = storedFile();
    const expired = await Promise.all(
      (['completed', 'failed', 'cancelled', 'timeout'] as ExecutionStatus[]).map((status, index) =>
        finished('retention.default', 31 + index, {
          status,
          ...(index === 0 ? { filePath: expiredFile, fileName: 'a.txt', fileSize: 16 } : {}),
        }),
      ),
    );
    // Created (and even started) before every expired one, but not finished: never touched.
    const running = await insertExecution(t.app, alice.principal.id, {
      taskName: 'retention.default',
      status: 'running',
      createdAt: daysBefore(400),
      startedAt: daysBefore(400),
    });
    const pending = await insertExecution(t.app, alice.principal.id, {
      taskName: 'retention.default',
      status: 'pending',
      createdAt: daysBefore(400),
    });
    const fresh = await finished('retention.default', 29);
    // An expired original whose file a retry still kept shares: the file stays with the retry.
    const original = await finished('retention.default', 40, { status: 'failed', filePath: sharedFile, fileName: 'b.txt', fileSize: 16 });
    const retry = await finished('retention.default', 5, {
      retriedFrom: original.id,
      filePath: sharedFile,
      fileName: 'b.txt',
      fileSize: 16,
    });

    for (const execution of [expired[0], fresh]) {
      await redis.xadd(eventsKey(t.config.queuePrefix, execution.id), '*', 'data', '{}');
      await dataSource(t.app)
        .getRepository(WebhookDelivery)
        .insert({
          ...{ id: randomUUID(), executionId: execution.id, deliveryId: randomUUID(), event: 'execution.completed', attempt: 1 },
          ...{ statusCode: 200, error: null, createdAt: execution.completedAt!, deliveredAt: execution.completedAt! },
        });
    }
    expect(await statistics()).toMatchObject({ total: 9, pending: 1, running: 1, completed: 3, failed: 2, cancelled: 1, timeout: 1 });

    const counts = await sweep();

    expect(counts.executions).toBeGreaterThanOrEqual(5);
    const all = [...expired, original, running, pending, fresh, retry].map((row) => row.id);
    expect(await remaining(all)).toEqual([running.id, pending.id, fresh.id, retry.id]);
    expect(existsSync(expiredFile)).toBe(false);
    expect(existsSync(sharedFile)).toBe(true);
    expect(await redis.exists(eventsKey(t.config.queuePrefix, expired[0].id))).toBe(0);
    expect(await redis.exists(eventsKey(t.config.queuePrefix, fresh.id))).toBe(1);
    const deliveries = await dataSource(t.app)
      .getRepository(WebhookDelivery)
      .findBy({ executionId: In([expired[0].id, fresh.id]) });
    expect(deliveries.map((delivery) => delivery.executionId)).toEqual([fresh.id]);
    // The maintained counts followed the deletes.
    expect(await statistics()).toEqual({ total: 4, pending: 1, running: 1, completed: 2, failed: 0, cancelled: 0, timeout: 0 });

    // Once the retry expires too, the file goes with the last execution naming it.
    await records().update({ id: retry.id }, { completedAt: daysBefore(31) });
    await sweep();
    expect(await remaining([retry.id])).toEqual([]);
    expect(existsSync(sharedFile)).toBe(false);
  });

  it("applies a task's own retain over RETENTION, keeps retain 0 forever, and applies RETENTION to tasks no longer registered", async () => {
    const weeklyOld = await finished('retention.weekly', 8);
    const weeklyNew = await finished('retention.weekly', 6);
    const forever = await finished('retention.forever', 3650);
    const goneOld = await finished('retention.unregistered', 31);
    const goneNew = await finished('retention.unregistered', 29);

    await sweep();

    expect(await remaining([weeklyOld, weeklyNew, forever, goneOld, goneNew].map((row) => row.id))).toEqual([
      weeklyNew.id,
      forever.id,
      goneNew.id,
    ]);
    expect(t.app.get(RetentionSweeper).retentionOf('retention.forever')).toBe(0);
  });

  it('removes audit rows older than AUDIT_RETENTION and keeps younger ones', async () => {
    const actorName = uniqueName('audited');
    const audit = dataSource(t.app).getRepository(AuditEvent);
    const row = (days: number) => ({
      ...{ id: randomUUID(), occurredAt: daysBefore(days), actorId: null, actorName, tokenId: null, clientAddress: null },
      ...{ action: 'execution.delete' as const, targetType: 'execution', targetId: randomUUID(), details: null },
    });
    const old = row(366);
    const young = row(364);
    await audit.insert([old, young]);

    const counts = await sweep();

    expect(counts.audit).toBeGreaterThanOrEqual(1);
    expect((await audit.findBy({ actorName })).map((event) => event.id)).toEqual([young.id]);
  });

  it('reports the rows removed and the last run in /metrics', async () => {
    await finished('retention.default', 45);
    const before = Date.now() / 1000;
    await sweep();
    const samples = parsePrometheusText((await t.http().get('/metrics').expect(200)).text);
    expect(sampleValue(samples, 'taskgate_retention_removed_total', { kind: 'executions' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(samples, 'taskgate_retention_removed_total', { kind: 'audit' })).toBeGreaterThanOrEqual(0);
    expect(sampleValue(samples, 'taskgate_retention_last_run_timestamp_seconds')).toBeGreaterThanOrEqual(Math.floor(before));
  });

  it('finds expired executions through the partial index (EXPLAIN)', async () => {
    const db = dataSource(t.app);
    const postgres = db.options.type === 'postgres';
    const [query, parameters] = t.app.get(RetentionSweeper).expiredQuery('retention.default', NOW, 500).getQueryAndParameters();
    const runner = db.createQueryRunner();
    let plan: string;
    try {
      await runner.startTransaction();
      // A table this small would be scanned whole on PostgreSQL; the question is which index it may use.
      if (postgres) await runner.query('SET LOCAL enable_seqscan = off');
      plan = JSON.stringify(await runner.query(`${postgres ? 'EXPLAIN' : 'EXPLAIN QUERY PLAN'} ${query}`, parameters));
      await runner.commitTransaction();
    } finally {
      await runner.release();
    }
    expect(plan).toMatch(/idx_executions_finished_task_completed/);
    expect(plan).not.toMatch(/TEMP B-TREE|Sort/i);
  });

  it('keeps everything with RETENTION=0, and sweeps one process at a time', async () => {
    // A second process on the same database and Redis prefix: the lock is shared.
    const other = await createTestApp({
      env: { DATABASE_URL: t.config.databaseUrl, QUEUE_PREFIX: t.config.queuePrefix, RETENTION: '0', AUDIT_RETENTION: '0' },
      taskModules: [RetentionTasksModule],
    });
    try {
      const kept = await finished('retention.default', 3650);
      expect(await sweep(other)).toEqual({ executions: 0, audit: 0 });
      expect(await remaining([kept.id])).toEqual([kept.id]);

      // While this process sweeps (held at its first step), the other cannot start one.
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let sweeping = false;
      const sweeper = t.app.get(RetentionSweeper);
      const original = sweeper.sweep.bind(sweeper);
      const spy = jest.spyOn(sweeper, 'sweep').mockImplementation(async (...args) => {
        sweeping = true;
        await gate;
        return original(...args);
      });
      try {
        const first = sweep();
        await pollUntil(
          () => sweeping,
          (started) => started,
          { timeoutMs: 5_000, intervalMs: 10 },
        );
        expect(await other.app.get(RetentionSchedule).tick(NOW)).toBeNull();
        release();
        expect(await first).not.toBeNull();
        expect(await other.app.get(RetentionSchedule).tick(NOW)).not.toBeNull();
      } finally {
        release();
        spy.mockRestore();
      }

      // The same through the lock itself: held by someone else, no sweep runs here.
      const lockRedis = new LazyRedis(t.config.redisUrl, 'limiter');
      try {
        const lease = await new ReconcilerLock(
          lockRedis,
          retentionLockKey(t.config.queuePrefix),
          SCHEDULE_LEASE_MS,
          'retention sweep',
        ).acquire();
        expect(lease).not.toBeNull();
        const blocked = await finished('retention.default', 60);
        expect(await t.app.get(RetentionSchedule).tick(NOW)).toBeNull();
        expect(await remaining([blocked.id])).toEqual([blocked.id]);
        await lease!.release();
        await sweep();
        expect(await remaining([blocked.id])).toEqual([]);
      } finally {
        lockRedis.disconnect();
      }
      expect(await remaining([kept.id])).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('sweeps by itself every RETENTION_SWEEP_MS', async () => {
    // Real time here: RETENTION=0 and AUDIT_RETENTION=0, so only this suite's weekly task is swept.
    const timed = await createTestApp({
      env: { RETENTION_SWEEP_MS: '100', RETENTION: '0', AUDIT_RETENTION: '0', RECONCILE_INTERVAL_MS: '0' },
      taskModules: [RetentionTasksModule],
    });
    try {
      const owner = await createCaller(timed.app, { permissions: ['retention.run'], name: uniqueName('timed') });
      const now = Date.now();
      const old = await insertExecution(timed.app, owner.principal.id, {
        taskName: 'retention.weekly',
        status: 'completed',
        createdAt: new Date(now - 9 * DAY),
        completedAt: new Date(now - 8 * DAY),
      });
      const young = await insertExecution(timed.app, owner.principal.id, {
        taskName: 'retention.weekly',
        status: 'completed',
        createdAt: new Date(now - 2 * DAY),
        completedAt: new Date(now - DAY),
      });
      const repository = dataSource(timed.app).getRepository(Execution);
      await pollUntil(
        () => repository.existsBy({ id: old.id }),
        (exists) => !exists,
        { timeoutMs: 10_000, intervalMs: 50 },
      );
      expect(await repository.existsBy({ id: young.id })).toBe(true);
    } finally {
      await timed.close();
    }
  });
});
