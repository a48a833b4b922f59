import { randomUUID } from 'node:crypto';
import { DataSource, In, Repository } from 'typeorm';
import { Execution } from '../src/executions/execution.entity';
import { createCaller, dataSource, TestCaller } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';
import { waitForExecution } from './support/wait-for';

type CountRow = { owner_id: string; task_name: string; status: string; count: number };

/** execution_counts, kept by triggers, always equals a recount of executions; statistics read it. */
describe('maintained execution counts (e2e)', () => {
  let t: TestApp;
  let db: DataSource;
  let records: Repository<Execution>;
  let alice: TestCaller;

  beforeAll(async () => {
    t = await createTestApp({ env: { STATISTICS_CACHE_MS: '0', RATE_LIMIT_EXECUTE: '0', RECONCILE_INTERVAL_MS: '0' } });
    db = dataSource(t.app);
    records = db.getRepository(Execution);
    alice = await createCaller(t.app, { permissions: ['demo.run'] });
  });

  afterAll(() => t.close());

  const sorted = (rows: CountRow[]) =>
    rows
      .map((row) => ({ ...row, count: Number(row.count) }))
      .filter((row) => row.count !== 0)
      .sort((a, b) => `${a.owner_id}${a.task_name}${a.status}`.localeCompare(`${b.owner_id}${b.task_name}${b.status}`));
  const maintained = async () => sorted(await db.query('SELECT owner_id, task_name, status, count FROM execution_counts'));
  const recounted = async () =>
    sorted(await db.query('SELECT owner_id, task_name, status, COUNT(*) AS count FROM executions GROUP BY owner_id, task_name, status'));

  const seed = async (count: number, status: Execution['status'], taskName = 'demo.add') => {
    const now = new Date();
    const rows = Array.from({ length: count }, () => {
      const id = randomUUID();
      return records.create({
        ...{ id, taskName, status, args: [], kwargs: {}, result: null, progress: 0, resource: null, ownerId: alice.principal.id },
        ...{ jobId: null, attempts: 0, maxAttempts: 1, priority: 50, queue: 'default', timeoutMs: null, retriedFrom: null },
        ...{ createdAt: now, updatedAt: now },
      });
    });
    await records.insert(rows);
    return rows.map((row) => row.id);
  };

  it('follows inserts, runs, cancels, bulk updates and deletes', async () => {
    const seeded = await seed(5, 'pending', 'demo.sleep');
    await seed(3, 'failed');
    const accepted = await Promise.all(
      [1, 2, 3].map(async (a) => {
        const answer = await t
          .http()
          .post('/api/v1/tasks/execute')
          .set('Authorization', alice.auth)
          .send({ task_name: 'demo.add', kwargs: { a, b: 1 } })
          .expect(202);
        return answer.body.execution_id as string;
      }),
    );
    await Promise.all(accepted.map((id) => waitForExecution(t, alice.auth, id)));
    await t.http().post(`/api/v1/executions/${seeded[0]}/cancel`).set('Authorization', alice.auth).expect(202);
    await t.http().delete(`/api/v1/executions/${accepted[0]}`).set('Authorization', alice.auth).expect(204);
    await records.update({ id: In(seeded.slice(1, 3)) }, { status: 'completed' });
    await records.update({ id: In(seeded.slice(1, 3)) }, { progress: 50 }); // no status change: no count change
    await records.delete({ id: In(seeded.slice(3)) });

    expect(await maintained()).toEqual(await recounted());
    const mine = (await maintained()).filter((row) => row.owner_id === alice.principal.id);
    expect(mine.map(({ task_name, status, count }) => `${task_name} ${status} ${count}`)).toEqual([
      'demo.add completed 2',
      'demo.add failed 3',
      'demo.sleep cancelled 1',
      'demo.sleep completed 2',
    ]);
  });

  it('answers statistics from the counts, with the caller’s visibility and the task filter', async () => {
    const bob = await createCaller(t.app, { permissions: ['demo.run'] });
    const stats = async (caller: TestCaller, query = '') =>
      (await t.http().get(`/api/v1/executions/statistics${query}`).set('Authorization', caller.auth).expect(200)).body;
    const before = await stats(alice);
    // A counter written straight into the table shows up: the statistics are read, not recounted.
    const shift = (by: number) =>
      db.query(
        `UPDATE execution_counts SET count = count + ${by} WHERE owner_id = $1 AND task_name = $2 AND status = $3`.replace(/\$\d/g, (p) =>
          db.options.type === 'postgres' ? p : '?',
        ),
        [alice.principal.id, 'demo.add', 'failed'],
      );
    await shift(40);
    try {
      expect(await stats(alice)).toMatchObject({ failed: before.failed + 40, total: before.total + 40 });
    } finally {
      await shift(-40);
    }
    expect(await stats(alice, '?task_name=demo.sleep')).toMatchObject({ completed: 2, cancelled: 1, failed: 0, total: 3 });
    expect(await stats(bob)).toMatchObject({ total: 0, failed: 0 });
  });
});
