import { Execution } from '../src/executions/execution.entity';
import { ExecutionStatus } from '../src/executions/execution-status';
import { createCaller, insertExecution, TestCaller } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';

interface TaskRow {
  task_name: string;
  total: number;
  pending: number;
  running: number;
  completed: number;
  failed: number;
  cancelled: number;
  timeout: number;
  duration_ms: { p50: number | null; p95: number | null; max: number | null };
  queue_wait_ms: { p50: number | null; p95: number | null };
}

interface Answer {
  window_start: string;
  window_end: string;
  tasks: TaskRow[];
}

/** The continuous percentile (PostgreSQL's percentile_cont): linear between the two nearest ranks. */
function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const position = p * (sorted.length - 1);
  const low = Math.floor(position);
  const high = Math.min(low + 1, sorted.length - 1);
  return Math.round(sorted[low] + (sorted[high] - sorted[low]) * (position - low));
}

const HOUR = 3_600_000;
/** Task names of this run alone: on PostgreSQL the suites of a run share one database, and admins see all of it. */
const RUN = Math.random().toString(36).slice(2, 8);
const ADD = `stats-${RUN}.add`;
const SLEEP = `stats-${RUN}.sleep`;
const FAIL = `stats-${RUN}.fail`;

/** `GET /executions/statistics?group_by=task&window=…` (SPEC 7.5), against rows of known durations. */
describe('GET /executions/statistics?group_by=task (e2e)', () => {
  let t: TestApp;
  let alice: TestCaller;
  let bob: TestCaller;
  let admin: TestCaller;
  const now = Date.now();

  /** Seeded finished executions of alice, per task: [created ms ago, queue wait ms, duration ms, status]. */
  const finished: Record<string, Array<[number, number, number, ExecutionStatus]>> = {
    [ADD]: [
      [1 * HOUR, 40, 120, 'completed'],
      [2 * HOUR, 10, 80, 'completed'],
      [3 * HOUR, 70, 95, 'failed'],
      [5 * HOUR, 20, 300, 'completed'],
      [6 * HOUR, 35, 1000, 'timeout'],
      [7 * HOUR, 5, 15, 'completed'],
      [0.2 * HOUR, 90, 240, 'completed'],
    ],
    [SLEEP]: [
      [0.5 * HOUR, 1000, 5000, 'completed'],
      [30 * HOUR, 1500, 7000, 'cancelled'],
    ],
  };

  const seed = (owner: TestCaller, taskName: string, agoMs: number, fields: Partial<Execution>) =>
    insertExecution(t.app, owner.principal.id, { taskName, createdAt: new Date(now - agoMs), ...fields });

  const seedFinished = async (
    owner: TestCaller,
    taskName: string,
    [ago, wait, duration, status]: [number, number, number, ExecutionStatus],
  ) => {
    const created = now - ago;
    await seed(owner, taskName, ago, {
      status,
      startedAt: new Date(created + wait),
      completedAt: new Date(created + wait + duration),
      durationMs: duration,
    });
  };

  beforeAll(async () => {
    t = await createTestApp({ env: { ROLE: 'api', STATISTICS_CACHE_MS: '0' } });
    alice = await createCaller(t.app, { permissions: ['demo.run'] });
    bob = await createCaller(t.app, { permissions: ['demo.run'] });
    admin = await createCaller(t.app, { isAdmin: true });
    for (const [task, rows] of Object.entries(finished)) for (const row of rows) await seedFinished(alice, task, row);
    // Unfinished ones count in the totals, never in the percentiles.
    await seed(alice, ADD, 0.1 * HOUR, { status: 'pending' });
    await seed(alice, ADD, 0.1 * HOUR, { status: 'running', startedAt: new Date(now - 60_000) });
    // A task with nothing finished: its percentiles are null.
    await seed(alice, FAIL, 0.3 * HOUR, { status: 'pending' });
    // Outside the 24 h window, inside 7 d.
    await seedFinished(alice, ADD, [3 * 24 * HOUR, 9, 99_999, 'completed']);
    // Bob's: never in alice's figures.
    await seedFinished(bob, ADD, [HOUR, 50_000, 50_000, 'completed']);
  });

  afterAll(() => t.close());

  const stats = (caller: TestCaller, query: string) =>
    t.http().get(`/api/v1/executions/statistics?${query}`).set('Authorization', caller.auth);

  const rowOf = (answer: Answer, task: string): TaskRow => {
    const row = answer.tasks.find((entry) => entry.task_name === task);
    if (!row) throw new Error(`no row for ${task} in ${JSON.stringify(answer)}`);
    return row;
  };

  it('gives per task the counts by status and the duration and queue-wait percentiles of the window', async () => {
    const answer = (await stats(alice, 'group_by=task&window=24h').expect(200)).body as Answer;
    expect(answer.tasks.map((row) => row.task_name).sort()).toEqual([ADD, FAIL, SLEEP]);

    const add = rowOf(answer, ADD);
    const rows = finished[ADD];
    expect(add).toEqual({
      task_name: ADD,
      total: 9,
      pending: 1,
      running: 1,
      completed: 5,
      failed: 1,
      cancelled: 0,
      timeout: 1,
      duration_ms: {
        p50: percentile(
          rows.map((row) => row[2]),
          0.5,
        ),
        p95: percentile(
          rows.map((row) => row[2]),
          0.95,
        ),
        max: 1000,
      },
      queue_wait_ms: {
        p50: percentile(
          rows.map((row) => row[1]),
          0.5,
        ),
        p95: percentile(
          rows.map((row) => row[1]),
          0.95,
        ),
      },
    });
    // The interpolation is the continuous one: p95 of seven durations lies between the two largest.
    expect(add.duration_ms.p95).toBe(Math.round(300 + (1000 - 300) * 0.7));

    const sleep = rowOf(answer, SLEEP);
    expect(sleep).toMatchObject({ total: 1, completed: 1, duration_ms: { p50: 5000, p95: 5000, max: 5000 }, queue_wait_ms: { p50: 1000 } });

    expect(rowOf(answer, FAIL)).toMatchObject({
      total: 1,
      pending: 1,
      duration_ms: { p50: null, p95: null, max: null },
      queue_wait_ms: { p50: null, p95: null },
    });
  });

  it('says the window it covered, and takes executions created in it', async () => {
    const day = (await stats(alice, 'group_by=task').expect(200)).body as Answer;
    expect(Date.parse(day.window_end) - Date.parse(day.window_start)).toBe(24 * HOUR);
    expect(Math.abs(Date.parse(day.window_end) - Date.now())).toBeLessThan(60_000);

    const hour = (await stats(alice, 'group_by=task&window=1h').expect(200)).body as Answer;
    expect(Date.parse(hour.window_end) - Date.parse(hour.window_start)).toBe(HOUR);
    expect(rowOf(hour, ADD)).toMatchObject({ total: 3, completed: 1, pending: 1, running: 1, duration_ms: { max: 240 } });
    expect(rowOf(hour, SLEEP).total).toBe(1);

    const week = (await stats(alice, 'group_by=task&window=7d').expect(200)).body as Answer;
    expect(rowOf(week, ADD)).toMatchObject({ total: 10, duration_ms: { max: 99_999 } });
    expect(rowOf(week, SLEEP)).toMatchObject({ total: 2, cancelled: 1, duration_ms: { max: 7000 } });
    const month = (await stats(alice, 'group_by=task&window=30d').expect(200)).body as Answer;
    expect(rowOf(month, ADD).total).toBe(10);
  });

  it('counts only what the caller may see; admins see everyone', async () => {
    const bobs = (await stats(bob, 'group_by=task').expect(200)).body as Answer;
    expect(bobs.tasks).toEqual([
      expect.objectContaining({ task_name: ADD, total: 1, duration_ms: { p50: 50_000, p95: 50_000, max: 50_000 } }),
    ]);
    const everyone = (await stats(admin, 'group_by=task').expect(200)).body as Answer;
    expect(rowOf(everyone, ADD)).toMatchObject({ total: 10, duration_ms: { max: 50_000 } });
  });

  it('narrows to one task with task_name', async () => {
    const answer = (await stats(alice, `group_by=task&task_name=${SLEEP}`).expect(200)).body as Answer;
    expect(answer.tasks.map((row) => row.task_name)).toEqual([SLEEP]);
  });

  it('a caller who sees nothing gets an empty list', async () => {
    const nobody = await createCaller(t.app);
    expect(((await stats(nobody, 'group_by=task').expect(200)).body as Answer).tasks).toEqual([]);
  });

  it('the counts without group_by are unchanged', async () => {
    expect((await stats(alice, '').expect(200)).body).toEqual(expect.objectContaining({ total: expect.any(Number) }));
    expect((await stats(alice, '').expect(200)).body).not.toHaveProperty('tasks');
  });

  it.each([
    ['group_by=task&window=2h', /window must be one of 1h, 24h, 7d, 30d/],
    ['group_by=status', /group_by must be task/],
    ['window=24h', /window needs group_by=task/],
  ])('refuses %s with a 400 that says why', async (query, message) => {
    const body = (await stats(alice, query).expect(400)).body as { message: string[] };
    expect(body.message.join('\n')).toMatch(message);
  });

  it('needs a token', async () => {
    await t.http().get('/api/v1/executions/statistics?group_by=task').expect(401);
  });
});
