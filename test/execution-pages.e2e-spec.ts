import { ExecutionStatus } from '../src/executions/execution-status';
import { createCaller, insertExecution, TestCaller } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';

interface Row {
  id: string;
  task_name: string;
  status: string;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  duration_ms: number | null;
}

interface Page {
  items: Row[];
  next_cursor: string | null;
  page?: number;
  page_size?: number;
  total?: number;
}

const SORTABLE = ['created_at', 'started_at', 'completed_at', 'duration_ms', 'status', 'task_name'] as const;
type Sortable = (typeof SORTABLE)[number];

/**
 * `page`/`page_size` with `total`, and `sort_by` (SPEC 7.6). Rows are seeded straight into the
 * table with many equal sort values, so the id tie-break and the NULL placement are exercised.
 */
describe('GET /executions with page, page_size and sort_by (e2e)', () => {
  let t: TestApp;
  let carol: TestCaller;
  let dave: TestCaller;
  let admin: TestCaller;
  const base = Date.parse('2026-03-01T00:00:00.000Z');
  const statuses: ExecutionStatus[] = ['completed', 'failed', 'pending', 'running', 'cancelled', 'timeout'];

  const seed = async (owner: TestCaller, i: number): Promise<void> => {
    const status = statuses[i % statuses.length];
    const finished = ['pending', 'running'].includes(status) ? null : new Date(base + (i % 5) * 60_000 + 1000);
    await insertExecution(t.app, owner.principal.id, {
      taskName: i % 3 === 0 ? 'demo.sleep' : 'demo.add',
      status,
      // Every third row shares its creation time with the one before: ties on the default sort too.
      createdAt: new Date(base + Math.floor(i / 2) * 1000),
      updatedAt: new Date(base),
      startedAt: status === 'pending' ? null : new Date(base + (i % 4) * 60_000),
      completedAt: finished,
      durationMs: finished ? (i % 4) * 250 : null,
    });
  };

  beforeAll(async () => {
    t = await createTestApp({ env: { ROLE: 'api' } });
    carol = await createCaller(t.app, { permissions: ['demo.run'] });
    dave = await createCaller(t.app, { permissions: ['demo.run'] });
    admin = await createCaller(t.app, { isAdmin: true });
    for (let i = 0; i < 47; i++) await seed(carol, i);
    for (let i = 0; i < 9; i++) await seed(dave, i);
  });

  afterAll(() => t.close());

  const list = (caller: TestCaller, query: string) => t.http().get(`/api/v1/executions?${query}`).set('Authorization', caller.auth);

  const walk = async (caller: TestCaller, query: string, pageSize: number): Promise<{ rows: Row[]; pages: Page[] }> => {
    const pages: Page[] = [];
    for (let page = 1; ; page++) {
      const body = (await list(caller, `${query}&page=${page}&page_size=${pageSize}`).expect(200)).body as Page;
      pages.push(body);
      if (body.items.length < pageSize) break;
    }
    return { rows: pages.flatMap((page) => page.items), pages };
  };

  /** The order SPEC 7.6 asks for: the column, NULLs last, then the id in the same direction. */
  const expectedOrder = (rows: Row[], column: Sortable, order: 'asc' | 'desc'): string[] => {
    const sign = order === 'asc' ? 1 : -1;
    const key = (row: Row): string | number | null => {
      const value = row[column];
      return column.endsWith('_at') && value !== null ? Date.parse(value as string) : value;
    };
    return [...rows]
      .sort((a, b) => {
        const x = key(a);
        const y = key(b);
        const byId = sign * (a.id < b.id ? -1 : 1);
        if (x === null || y === null) return x === y ? byId : x === null ? 1 : -1;
        if (x !== y) return sign * (x < y ? -1 : 1);
        return byId;
      })
      .map((row) => row.id);
  };

  it('answers page, page_size and total, and walks every visible row once in creation order', async () => {
    const first = (await list(carol, 'page=1&page_size=10').expect(200)).body as Page;
    expect(first).toMatchObject({ page: 1, page_size: 10, total: 47, next_cursor: null });
    expect(first.items).toHaveLength(10);

    const { rows, pages } = await walk(carol, 'order=desc', 10);
    expect(pages).toHaveLength(5);
    expect(pages[4].items).toHaveLength(7);
    expect(new Set(rows.map((row) => row.id)).size).toBe(47);
    expect(rows.map((row) => row.id)).toEqual(expectedOrder(rows, 'created_at', 'desc'));
  });

  it.each(SORTABLE.flatMap((column) => (['asc', 'desc'] as const).map((order) => [column, order] as const)))(
    'sorts by %s %s with ties broken by id, so pages never overlap',
    async (column, order) => {
      const { rows } = await walk(carol, `sort_by=${column}&order=${order}`, 6);
      expect(rows).toHaveLength(47);
      expect(new Set(rows.map((row) => row.id)).size).toBe(47);
      expect(rows.map((row) => row.id)).toEqual(expectedOrder(rows, column, order));
    },
  );

  it('sort_by without page answers the first page, with page and total', async () => {
    const body = (await list(carol, 'sort_by=duration_ms&limit=5').expect(200)).body as Page;
    expect(body).toMatchObject({ page: 1, page_size: 5, total: 47, next_cursor: null });
    expect(body.items).toHaveLength(5);
  });

  it('counts and pages only what the caller may see, after the filters', async () => {
    const filtered = (await list(carol, 'status=completed,failed&page=1&page_size=100').expect(200)).body as Page;
    expect(filtered.total).toBe(filtered.items.length);
    expect(filtered.total).toBe(16);
    expect(filtered.items.every((row) => ['completed', 'failed'].includes(row.status))).toBe(true);

    const daves = (await list(dave, 'page=1&page_size=100').expect(200)).body as Page;
    expect(daves.total).toBe(9);
    const everyone = (await list(admin, 'page=1&page_size=1').expect(200)).body as Page;
    expect(everyone.total).toBeGreaterThanOrEqual(56);
  });

  it('a page past the end is empty and still says the total', async () => {
    expect((await list(carol, 'page=99&page_size=10').expect(200)).body).toEqual({
      items: [],
      next_cursor: null,
      page: 99,
      page_size: 10,
      total: 47,
    });
  });

  it('keyset paging without page is unchanged: no page fields, a cursor', async () => {
    const body = (await list(carol, 'limit=10').expect(200)).body as Page;
    expect(body.next_cursor).toEqual(expect.any(String));
    expect(body).not.toHaveProperty('total');
    expect((await list(carol, `limit=10&sort_by=created_at&cursor=${body.next_cursor}`).expect(200)).body.items).toHaveLength(10);
  });

  it.each([
    ['page=0', /page must be a whole number from 1/],
    ['page=1.5', /page must be a whole number from 1/],
    ['page=abc', /page must be a whole number from 1/],
    ['page=1&page_size=0', /page_size must be a whole number from 1 to 100/],
    ['page=1&page_size=101', /page_size must be a whole number from 1 to 100/],
    ['sort_by=owner_id', /sort_by must be one of created_at, started_at, completed_at, duration_ms, status, task_name/],
    ['sort_by=duration_ms&cursor=abc', /cursor .* only with sort_by=created_at/],
    ['page=2&cursor=abc', /cursor and page/],
    ['page=2&limit=10', /page_size, not limit/],
  ])('refuses %s with a 400 that says why', async (query, message) => {
    const body = (await list(carol, query).expect(400)).body as { message: string[] };
    expect(body.message.join('\n')).toMatch(message);
  });
});
