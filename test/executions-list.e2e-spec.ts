import { Execution } from '../src/executions/execution.entity';
import { COUNTED_STATUSES } from '../src/executions/execution-status';
import { createCaller, dataSource, insertExecution, TestCaller } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';

/**
 * Listing, statistics and latest-by-resource. Records are seeded straight into the table (the
 * worker's behaviour is covered elsewhere), so every filter can be checked against known data.
 */
describe('GET /executions, /executions/statistics, /executions/latest (e2e)', () => {
  let t: TestApp;
  let alice: TestCaller;
  let bob: TestCaller;
  let admin: TestCaller;
  const base = Date.parse('2026-01-01T00:00:00.000Z');
  let seq = 0;

  const seed = (owner: TestCaller, fields: Partial<Execution> = {}): Promise<Execution> =>
    insertExecution(t.app, owner.principal.id, { progress: 100, ...fields, createdAt: fields.createdAt ?? new Date(base + seq++ * 1000) });

  beforeAll(async () => {
    t = await createTestApp({ env: { ROLE: 'api' } });
    alice = await createCaller(t.app, { permissions: ['demo.run'] });
    bob = await createCaller(t.app, { permissions: ['demo.run'] });
    admin = await createCaller(t.app, { isAdmin: true });
    for (let i = 0; i < 30; i++) {
      await seed(alice, {
        status: COUNTED_STATUSES[i % COUNTED_STATUSES.length],
        taskName: i % 2 ? 'demo.add' : 'demo.sleep',
        resource: i % 3 === 0 ? 'doc-a' : 'doc-b',
      });
    }
    for (let i = 0; i < 5; i++) await seed(bob, { resource: 'doc-a' });
  });

  afterAll(() => t.close());

  const list = (caller: TestCaller, query = '') => t.http().get(`/api/v1/executions${query}`).set('Authorization', caller.auth);

  it('pages through everything visible with no duplicates and no gaps while rows are inserted', async () => {
    const carol = await createCaller(t.app);
    const initial: string[] = [];
    for (let i = 0; i < 25; i++) initial.push((await seed(carol, { createdAt: new Date(Date.now() - 100_000 + i * 10) })).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response: { body: { items: Array<{ id: string }>; next_cursor: string | null } } = await list(
        carol,
        `?limit=7${cursor ? `&cursor=${cursor}` : ''}`,
      ).expect(200);
      seen.push(...response.body.items.map((item) => item.id));
      cursor = response.body.next_cursor;
      pages++;
      // Concurrent inserts: newer rows land before the cursor and must not disturb the walk.
      await Promise.all([seed(carol, { createdAt: new Date() }), seed(carol, { createdAt: new Date() })]);
    } while (cursor);
    expect(pages).toBe(4);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual([...initial].reverse());
  });

  it('pages in ascending order too, and keeps ties on created_at apart by id', async () => {
    const dave = await createCaller(t.app);
    const at = new Date(base + 10_000_000);
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await seed(dave, { createdAt: at })).id);
    const first = await list(dave, '?order=asc&limit=2').expect(200);
    const second = await list(dave, `?order=asc&limit=2&cursor=${first.body.next_cursor}`).expect(200);
    const third = await list(dave, `?order=asc&limit=2&cursor=${second.body.next_cursor}`).expect(200);
    expect(third.body.next_cursor).toBeNull();
    const walked = [...first.body.items, ...second.body.items, ...third.body.items].map((item) => item.id);
    expect(walked).toEqual([...ids].sort());
  });

  it('shows a non-admin only its own executions, and an admin everyone’s, filterable by owner', async () => {
    const mine = await list(bob, '?limit=100').expect(200);
    expect(mine.body.items).toHaveLength(5);
    expect(mine.body.items.every((item: { owner_id: string }) => item.owner_id === bob.principal.id)).toBe(true);
    const byOwner = await list(admin, `?owner=${alice.principal.id}&limit=100`).expect(200);
    expect(byOwner.body.items).toHaveLength(30);
    const denied = await list(bob, `?owner=${alice.principal.id}`).expect(403);
    expect(denied.body.message).toMatch(/only admins/);
    // Naming oneself is no privilege: an admin's own, a non-admin's what it sees anyway.
    const adminsOwn = await list(admin, `?owner=${admin.principal.id}`).expect(200);
    expect(adminsOwn.body.items).toEqual([]);
    expect((await list(bob, `?owner=${bob.principal.id}&limit=100`).expect(200)).body.items).toEqual(mine.body.items);
  });

  it.each([
    ['status=failed', (e: Execution) => e.status === 'failed'],
    ['status=failed,timeout', (e: Execution) => ['failed', 'timeout'].includes(e.status)],
    ['task_name=demo.sleep', (e: Execution) => e.taskName === 'demo.sleep'],
    ['resource=doc-a', (e: Execution) => e.resource === 'doc-a'],
    ['created_after=2026-01-01T00:00:09.500Z', (e: Execution) => e.createdAt.getTime() > base + 9500],
    ['created_before=2026-01-01T00:00:05.000Z', (e: Execution) => e.createdAt.getTime() < base + 5000],
    [
      'status=completed&resource=doc-b&task_name=demo.sleep',
      (e: Execution) => e.status === 'completed' && e.resource === 'doc-b' && e.taskName === 'demo.sleep',
    ],
  ])('filters by %s', async (query, keep) => {
    const all = await dataSource(t.app).getRepository(Execution).findBy({ ownerId: alice.principal.id });
    const expected = all
      .filter(keep)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
      .map((e) => e.id);
    expect(expected.length).toBeGreaterThan(0);
    const response = await list(alice, `?${query}&limit=100`).expect(200);
    expect(response.body.items.map((item: { id: string }) => item.id)).toEqual(expected);
  });

  it.each([
    ['status=done', /status must be a comma-separated list/],
    ['status=', /status/],
    ['limit=0', /limit must be a whole number from 1 to 100/],
    ['limit=101', /limit/],
    ['limit=ten', /limit/],
    ['order=sideways', /order must be asc or desc/],
    ['created_after=yesterday', /created_after must be an ISO-8601/],
    ['created_before=2026-13-45', /created_before/],
    ['cursor=garbage', /cursor is invalid/],
    // A well-formed cursor whose time no database stores (once a 500 on PostgreSQL).
    [
      `cursor=${Buffer.from(JSON.stringify([8.64e15, '3f1c2a9e-0000-4000-8000-000000000001', 'desc'])).toString('base64url')}`,
      /cursor is invalid/,
    ],
    ['owner=not-a-uuid', /owner must be a principal id/],
    ['colour=blue', /colour/],
  ])('answers 400 for %s, naming the parameter', async (query, message) => {
    const response = await list(admin, `?${query}`).expect(400);
    expect(JSON.stringify(response.body.message)).toMatch(message);
  });

  it('refuses a cursor made for the other order', async () => {
    const page = await list(alice, '?limit=2').expect(200);
    const response = await list(alice, `?order=asc&cursor=${page.body.next_cursor}`).expect(400);
    expect(JSON.stringify(response.body.message)).toMatch(/order=desc, not order=asc/);
  });

  it('counts per status exactly what the list shows', async () => {
    const stats = (await t.http().get('/api/v1/executions/statistics').set('Authorization', alice.auth).expect(200)).body;
    expect(stats).toEqual({ total: 30, pending: 5, running: 5, completed: 5, failed: 5, cancelled: 5, timeout: 5 });
    for (const status of ['pending', 'failed']) {
      const listed = await list(alice, `?status=${status}&limit=100`).expect(200);
      expect(listed.body.items).toHaveLength(stats[status]);
    }
    const sleepStats = (
      await t.http().get('/api/v1/executions/statistics?task_name=demo.sleep').set('Authorization', alice.auth).expect(200)
    ).body;
    const sleepList = await list(alice, '?task_name=demo.sleep&limit=100').expect(200);
    expect(sleepStats.total).toBe(sleepList.body.items.length);
    const everyone = (await t.http().get('/api/v1/executions/statistics').set('Authorization', admin.auth).expect(200)).body;
    expect(everyone.total).toBeGreaterThanOrEqual(35);
    await t.http().get('/api/v1/executions/statistics?colour=blue').set('Authorization', alice.auth).expect(400);
  });

  it('finds the latest visible execution for a resource', async () => {
    const latestA = await t.http().get('/api/v1/executions/latest?resource=doc-a').set('Authorization', alice.auth).expect(200);
    const own = (
      await dataSource(t.app)
        .getRepository(Execution)
        .find({ where: { ownerId: alice.principal.id, resource: 'doc-a' }, order: { createdAt: 'DESC' } })
    )[0];
    expect(latestA.body.id).toBe(own.id);
    // Bob's doc-a executions are newer, but alice cannot see them; bob sees his own.
    const bobs = await t.http().get('/api/v1/executions/latest?resource=doc-a').set('Authorization', bob.auth).expect(200);
    expect(bobs.body.owner_id).toBe(bob.principal.id);
    await t.http().get('/api/v1/executions/latest?resource=nothing-here').set('Authorization', alice.auth).expect(404);
    await t.http().get('/api/v1/executions/latest').set('Authorization', alice.auth).expect(400);
  });

  it('requires a token for every read', async () => {
    await t.http().get('/api/v1/executions').expect(401);
    await t.http().get('/api/v1/executions/statistics').expect(401);
    await t.http().get('/api/v1/executions/latest?resource=x').expect(401);
  });

  it('keeps rows without a resource, retry link or idempotency key (and unfinished ones or ones without a file, from the retention indexes) out of those indexes, and still finds by them', async () => {
    const db = dataSource(t.app);
    const postgres = db.options.type === 'postgres';
    const definitions: Array<{ name: string; sql: string }> = postgres
      ? await db.query(`SELECT indexname AS name, indexdef AS sql FROM pg_indexes WHERE tablename = 'executions'`)
      : await db.query(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'executions' AND sql IS NOT NULL`);
    const partial = definitions
      .filter((index) => /WHERE/i.test(index.sql))
      .map((index) => index.name)
      .sort();
    expect(partial).toEqual([
      'idx_executions_approval_deadline',
      'idx_executions_callback_completed',
      'idx_executions_file_path',
      'idx_executions_finished_task_completed',
      'idx_executions_owner_resource_created',
      'idx_executions_resource_created',
      'idx_executions_retried_from',
      'uq_executions_owner_idempotency',
    ]);
    // The planner proves `resource = …` implies IS NOT NULL and uses the partial index.
    const explain = postgres
      ? `EXPLAIN SELECT * FROM executions WHERE owner_id = $1 AND resource = $2 ORDER BY created_at DESC, id DESC LIMIT 1`
      : `EXPLAIN QUERY PLAN SELECT * FROM executions WHERE owner_id = ? AND resource = ? ORDER BY created_at DESC, id DESC LIMIT 1`;
    // A table this small would be scanned whole on PostgreSQL; the question is which index it may use.
    const runner = db.createQueryRunner();
    let plan: string;
    try {
      await runner.startTransaction();
      if (postgres) await runner.query('SET LOCAL enable_seqscan = off');
      plan = JSON.stringify(await runner.query(explain, [alice.principal.id, 'doc-a']));
      await runner.commitTransaction();
    } finally {
      await runner.release();
    }
    expect(plan).toMatch(/idx_executions_owner_resource_created/);
    const latest = await t.http().get('/api/v1/executions/latest?resource=doc-a').set('Authorization', alice.auth).expect(200);
    expect(latest.body.resource).toBe('doc-a');
  });
});
