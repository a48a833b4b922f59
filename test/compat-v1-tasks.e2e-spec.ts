import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditEvent } from '../src/audit/audit-event.entity';
import { Execution } from '../src/executions/execution.entity';
import { COUNTED_STATUSES, ExecutionStatus } from '../src/executions/execution-status';
import { createCaller, dataSource, insertExecution, TestCaller } from './support/factories';
import { openWs, WsClient } from './support/live-clients';
import { createTestApp, TestApp } from './support/test-app';
import { pollUntil } from './support/wait-for';

const API = '/api/v1';
/** The seed documents' task object, and nothing else. */
const TASK_FIELDS = [
  'created_at',
  'error',
  'file_name',
  'file_size',
  'message',
  'metadata',
  'progress',
  'result_id',
  'status',
  'task_id',
  'type',
  'updated_at',
];
/** What each native status is called in seeds 000 and 003. */
const SHOWN: Record<ExecutionStatus, string> = {
  awaiting_approval: 'pending',
  pending: 'pending',
  running: 'processing',
  completed: 'completed',
  failed: 'failed',
  timeout: 'failed',
  cancelled: 'cancelled',
};
const TASK_NAMES = ['demo.add', 'demo.sleep', 'demo.fail'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type TaskObject = Record<string, any>;

/**
 * SPEC 8.2: the task routes of seeds 000 and 003 at `/api/v1/tasks`, over the native core. Every
 * example call the seeds wrote is replayed (with a token), then the errors, the mapping and the
 * native precedence. Records are mostly seeded straight into the table (no worker: `ROLE=api`), so
 * every status is at hand and nothing moves unless a test moves it.
 */
describe('/api/v1/tasks, the task routes of seeds 000 and 003 (e2e)', () => {
  const storage = mkdtempSync(join(tmpdir(), 'taskgate-compat-v1-'));
  let t: TestApp;
  let port: number;
  /** Owns the fixed data set the reads are checked against; nothing changes its tasks. */
  let lister: TestCaller;
  /** Changes its own tasks: delete, retry, PATCH, upload. */
  let alice: TestCaller;
  let bob: TestCaller;
  let admin: TestCaller;
  /** The lister's tasks as stored, newest first. */
  let listed: Execution[];

  const repo = () => dataSource(t.app).getRepository(Execution);
  const reread = (id: string) => repo().findOneByOrFail({ id });
  const seed = (owner: TestCaller, fields: Partial<Execution> = {}) =>
    insertExecution(t.app, owner.principal.id, { kwargs: { a: 1, b: 2 }, ...fields });
  const get = (caller: TestCaller | null, path: string) => withAuth(t.http().get(`${API}${path}`), caller);
  const del = (caller: TestCaller | null, path: string) => withAuth(t.http().delete(`${API}${path}`), caller);
  const post = (caller: TestCaller | null, path: string) => withAuth(t.http().post(`${API}${path}`), caller);
  const patch = (caller: TestCaller | null, path: string, body: object) => withAuth(t.http().patch(`${API}${path}`), caller).send(body);
  const upload = (caller: TestCaller | null, content: Buffer, fileName = 'report.csv') =>
    post(caller, '/tasks/upload').attach('file', content, fileName);
  function withAuth<R extends { set(name: string, value: string): R }>(call: R, caller: TestCaller | null): R {
    return caller ? call.set('Authorization', caller.auth) : call;
  }
  const idsOf = (items: TaskObject[]) => items.map((item) => item.task_id);
  const expected = (keep: (e: Execution) => boolean = () => true) => listed.filter(keep).map((e) => e.id);
  const seedSocket = (caller: TestCaller, clientId = `client-${randomBytes(3).toString('hex')}`) =>
    openWs(port, { header: caller.auth }, `${API}/ws/tasks/${clientId}`);
  const auditRows = (caller: TestCaller, action: AuditEvent['action'], targetId: string) =>
    dataSource(t.app).getRepository(AuditEvent).findBy({ actorId: caller.principal.id, action, targetId });

  beforeAll(async () => {
    t = await createTestApp({
      env: { ROLE: 'api', STORAGE_DIR: storage, RECONCILE_INTERVAL_MS: '0', RATE_LIMIT_EXECUTE: '0', STATISTICS_CACHE_MS: '0' },
    });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as { port: number }).port;
    lister = await createCaller(t.app, { permissions: ['demo.run'] });
    alice = await createCaller(t.app, { permissions: ['demo.run', 'demo.files', 'executions.update'] });
    bob = await createCaller(t.app, { permissions: ['demo.run', 'demo.files', 'executions.update'] });
    admin = await createCaller(t.app, { isAdmin: true });
    // 18 tasks, three in each native status the seeds knew (approvals came later: an execution awaiting one reads
    // `pending`, see SHOWN), one second apart, the task names spread over the statuses.
    const base = Date.now() - 3_600_000;
    const rows: Execution[] = [];
    for (let i = 0; i < 18; i++) {
      const status = COUNTED_STATUSES[i % COUNTED_STATUSES.length];
      const createdAt = new Date(base + i * 1000);
      rows.push(
        await seed(lister, {
          status,
          taskName: TASK_NAMES[Math.floor(i / 6) % 3],
          kwargs: { a: i, b: 1 },
          progress: status === 'completed' ? 100 : status === 'running' ? 40 : 0,
          error: ['failed', 'timeout'].includes(status) ? `error ${i}` : null,
          createdAt,
          updatedAt: new Date(createdAt.getTime() + 500),
        }),
      );
    }
    listed = (await repo().findBy({ ownerId: lister.principal.id })).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    expect(listed.map((e) => e.id)).toEqual(rows.map((e) => e.id).reverse());
  });

  afterAll(async () => {
    await t?.close();
    rmSync(storage, { recursive: true, force: true });
  });

  describe('seed 000: list, one task, delete', () => {
    it('GET /api/v1/tasks answers the caller’s tasks as an array, newest first, at most 10 by default', async () => {
      const { body } = await get(lister, '/tasks').expect(200);
      expect(Array.isArray(body)).toBe(true);
      expect(idsOf(body)).toEqual(expected().slice(0, 10));
      for (const task of body) expect(Object.keys(task).sort()).toEqual(TASK_FIELDS);
      expect(idsOf((await get(lister, '/tasks?limit=50').expect(200)).body)).toEqual(expected());
      expect(idsOf((await get(lister, '/tasks?limit=3').expect(200)).body)).toEqual(expected().slice(0, 3));
      expect((await get(alice, '/tasks?limit=50').expect(200)).body.every((task: TaskObject) => !expected().includes(task.task_id))).toBe(
        true,
      );
    });

    it('GET /api/v1/tasks?status=completed&limit=5 (the seed’s example) answers at most 5 completed tasks, newest first', async () => {
      const { body } = await get(lister, '/tasks?status=completed&limit=5').expect(200);
      expect(idsOf(body)).toEqual(expected((e) => e.status === 'completed'));
      expect(body.every((task: TaskObject) => task.status === 'completed')).toBe(true);
      expect(idsOf((await get(lister, '/tasks?status=completed&limit=2').expect(200)).body)).toEqual(
        expected((e) => e.status === 'completed').slice(0, 2),
      );
    });

    it.each<[string, ExecutionStatus[]]>([
      ['pending', ['pending']],
      ['processing', ['running']],
      ['running', ['running']],
      ['completed', ['completed']],
      ['failed', ['failed', 'timeout']],
      ['cancelled', ['cancelled']],
    ])('status=%s selects the native %j', async (word, statuses) => {
      const { body } = await get(lister, `/tasks?status=${word}&limit=50`).expect(200);
      expect(idsOf(body)).toEqual(expected((e) => statuses.includes(e.status)));
      expect(new Set(body.map((task: TaskObject) => task.status))).toEqual(new Set([word === 'running' ? 'processing' : word]));
    });

    it('maps every status to the seed’s words and every field to the task object', async () => {
      const { body } = await get(lister, '/tasks?limit=50').expect(200);
      const byId = new Map<string, TaskObject>(body.map((task: TaskObject) => [task.task_id, task]));
      for (const e of listed) {
        expect(byId.get(e.id)).toEqual({
          task_id: e.id,
          status: SHOWN[e.status],
          message: expect.any(String),
          type: e.taskName,
          created_at: e.createdAt.toISOString(),
          updated_at: e.updatedAt.toISOString(),
          result_id: null,
          error: e.error,
          metadata: e.kwargs,
          progress: e.progress,
          file_name: null,
          file_size: null,
        });
      }
      // A timed-out task is `failed` and says why; a cancelled one is `cancelled`; a message of its own wins.
      const timedOut = listed.find((e) => e.status === 'timeout')!;
      expect(byId.get(timedOut.id)).toMatchObject({ status: 'failed', message: expect.stringMatching(/timed out/i) });
      const own = await seed(alice, { status: 'completed', message: 'all 3 pages rendered', fileName: 'in.pdf', fileSize: 1234 });
      expect((await get(alice, `/tasks/${own.id}`).expect(200)).body).toMatchObject({
        message: 'all 3 pages rendered',
        file_name: 'in.pdf',
        file_size: 1234,
      });
    });

    it.each([
      ['limit=51', /limit must be a whole number from 1 to 50/],
      ['limit=0', /limit must be a whole number from 1 to 50/],
      ['limit=ten', /limit/],
      ['limit=2.5', /limit/],
      ['status=done', /status must be one of/],
      ['status=timeout', /status must be one of/],
      ['status=FAILURE', /status must be one of/],
      ['status=', /status/],
      ['page=0', /page must be a whole number from 1/],
      ['page_size=101', /page_size must be a whole number from 1 to 100/],
      ['sort_by=colour', /sort_by must be one of/],
      ['order=sideways', /order must be asc or desc/],
      ['colour=blue', /colour/],
      ['user_id=someone', /user_id/],
      ['page=2&limit=5', /page_size, not limit/],
      ['page_size=5&limit=5', /page_size, not limit/],
    ])('GET /api/v1/tasks?%s answers 400 naming the parameter', async (query, message) => {
      const response = await get(lister, `/tasks?${query}`).expect(400);
      expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(JSON.stringify(response.body.message)).toMatch(message);
    });

    it('GET /api/v1/tasks/task_abc123 (the seed’s example) answers 404; a real id answers its task object, in either letter case', async () => {
      const missing = await get(lister, '/tasks/task_abc123').expect(404);
      expect(missing.body).toMatchObject({ statusCode: 404, error: 'Not Found', message: expect.stringContaining('task_abc123') });
      await get(lister, `/tasks/${randomUUID()}`).expect(404);
      const [newest] = listed;
      const { body } = await get(lister, `/tasks/${newest.id}`).expect(200);
      expect(body).toEqual((await get(lister, '/tasks?limit=1').expect(200)).body[0]);
      expect(body).toMatchObject({ task_id: newest.id, type: newest.taskName, status: SHOWN[newest.status] });
      expect((await get(lister, `/tasks/${newest.id.toUpperCase()}`).expect(200)).body).toEqual(body);
    });

    it('DELETE /api/v1/tasks/<id>: 204 for a finished task, gone natively too; 409 while pending or processing; 404 for task_abc123', async () => {
      await del(alice, '/tasks/task_abc123').expect(404);
      for (const status of ['completed', 'failed', 'cancelled', 'timeout'] as const) {
        const done = await seed(alice, { status });
        const response = await del(alice, `/tasks/${done.id}`).expect(204);
        expect(response.text).toBe('');
        await get(alice, `/tasks/${done.id}`).expect(404);
        await get(alice, `/executions/${done.id}`).expect(404);
        expect(await repo().countBy({ id: done.id })).toBe(0);
      }
      for (const status of ['pending', 'running'] as const) {
        const busy = await seed(alice, { status });
        const refused = await del(alice, `/tasks/${busy.id}`).expect(409);
        expect(refused.body).toMatchObject({ statusCode: 409, message: expect.stringContaining(status) });
        expect((await reread(busy.id)).status).toBe(status);
      }
      await del(alice, `/tasks/${randomUUID()}`).expect(404);
    });
  });

  describe('seed 003: pages, statistics, upload, PATCH, retry', () => {
    it('GET /api/v1/tasks/ with page and page_size answers {items, total, page, page_size}, pages neither overlapping nor leaving gaps', async () => {
      const first = await get(lister, '/tasks/?page=1&page_size=5').expect(200);
      expect(Object.keys(first.body).sort()).toEqual(['items', 'page', 'page_size', 'total']);
      expect(first.body).toMatchObject({ total: 18, page: 1, page_size: 5 });
      const walked: string[] = [...idsOf(first.body.items)];
      for (let page = 2; page <= 4; page++) {
        const { body } = await get(lister, `/tasks/?page=${page}&page_size=5`).expect(200);
        expect(body).toMatchObject({ total: 18, page, page_size: 5 });
        walked.push(...idsOf(body.items));
      }
      expect(walked).toEqual(expected());
      expect((await get(lister, '/tasks/?page=5&page_size=5').expect(200)).body).toEqual({ items: [], total: 18, page: 5, page_size: 5 });
      // Either one alone makes it a page: page_size defaults to 20, page to 1.
      const onlyPage = (await get(lister, '/tasks/?page=1').expect(200)).body;
      expect(onlyPage).toMatchObject({ total: 18, page: 1, page_size: 20 });
      expect(idsOf(onlyPage.items)).toEqual(expected());
      const onlySize = (await get(lister, '/tasks/?page_size=4').expect(200)).body;
      expect(onlySize).toMatchObject({ total: 18, page: 1, page_size: 4 });
      expect(idsOf(onlySize.items)).toEqual(expected().slice(0, 4));
      for (const task of onlyPage.items) expect(Object.keys(task).sort()).toEqual(TASK_FIELDS);
    });

    it('sorts a page by type (the task name) or created_at in either order, and filters it by status', async () => {
      // Ties on the task name are broken by id, in the same direction.
      const byType = (order: 'asc' | 'desc') => {
        const ascending = [...listed].sort((a, b) => a.taskName.localeCompare(b.taskName) || (a.id < b.id ? -1 : 1)).map((e) => e.id);
        return order === 'asc' ? ascending : ascending.reverse();
      };
      for (const order of ['asc', 'desc'] as const) {
        const { body } = await get(lister, `/tasks/?page=1&page_size=100&sort_by=type&order=${order}`).expect(200);
        expect(idsOf(body.items)).toEqual(byType(order));
        expect(body.total).toBe(18);
      }
      const oldest = (await get(lister, '/tasks/?page=1&page_size=3&sort_by=created_at&order=asc').expect(200)).body;
      expect(idsOf(oldest.items)).toEqual(expected().reverse().slice(0, 3));
      // All five of seed 003's parameters at once.
      const failed = (await get(lister, '/tasks/?page=1&page_size=4&status=failed&sort_by=created_at&order=desc').expect(200)).body;
      expect(failed).toMatchObject({ total: 6, page: 1, page_size: 4 });
      expect(idsOf(failed.items)).toEqual(expected((e) => e.status === 'failed' || e.status === 'timeout').slice(0, 4));
      expect(failed.items.every((task: TaskObject) => task.status === 'failed')).toBe(true);
      const processing = (await get(lister, '/tasks/?page=1&status=running').expect(200)).body;
      expect(processing.total).toBe(3);
      // The seed-000 array takes sort_by and order too.
      const array = (await get(lister, '/tasks?sort_by=type&order=asc&limit=4').expect(200)).body;
      expect(idsOf(array)).toEqual(byType('asc').slice(0, 4));
    });

    it('GET /api/v1/tasks/statistics counts processing as running, cancelled and timed-out tasks in total only', async () => {
      const { body } = await get(lister, '/tasks/statistics').expect(200);
      expect(body).toEqual({ total: 18, pending: 3, processing: 3, completed: 3, failed: 3 });
      const fresh = await createCaller(t.app, { permissions: ['demo.run'] });
      expect((await get(fresh, '/tasks/statistics').expect(200)).body).toEqual({
        total: 0,
        pending: 0,
        processing: 0,
        completed: 0,
        failed: 0,
      });
      await seed(fresh, { status: 'timeout' });
      await seed(fresh, { status: 'running' });
      expect((await get(fresh, '/tasks/statistics').expect(200)).body).toEqual({
        total: 2,
        pending: 0,
        processing: 1,
        completed: 0,
        failed: 0,
      });
      const unknown = await get(fresh, '/tasks/statistics?colour=blue').expect(400);
      expect(unknown.body.message).toEqual(['property colour should not exist']);
    });

    it('POST /api/v1/tasks/upload submits the file to demo.checksum (COMPAT_UPLOAD_TASK): 202 {task_id, file_name, file_size, status}, the same execution natively', async () => {
      expect(t.config.compatUploadTask).toBe('demo.checksum');
      const content = randomBytes(3000);
      const before = readdirSync(storage).length;
      const accepted = await upload(alice, content, 'scan.pdf').expect(202);
      expect(accepted.body).toEqual({ task_id: expect.stringMatching(UUID), file_name: 'scan.pdf', file_size: 3000, status: 'pending' });
      const id = accepted.body.task_id;
      const native = (await get(alice, `/executions/${id}`).expect(200)).body;
      expect(native).toMatchObject({
        id,
        task_name: 'demo.checksum',
        status: 'pending',
        owner_id: alice.principal.id,
        file_name: 'scan.pdf',
        file_size: 3000,
      });
      expect((await get(alice, `/tasks/${id}`).expect(200)).body).toMatchObject({
        task_id: id,
        type: 'demo.checksum',
        status: 'pending',
        file_name: 'scan.pdf',
        file_size: 3000,
      });
      // Stored for the worker, byte for byte; audited as a native execute.
      expect(readdirSync(storage).length).toBe(before + 1);
      const row = await reread(id);
      expect(createHash('sha256').update(readFileSync(row.filePath!)).digest('hex')).toBe(
        createHash('sha256').update(content).digest('hex'),
      );
      expect(await auditRows(alice, 'execution.execute', id)).toHaveLength(1);
      // A pending upload cannot be deleted; the list shows it among alice's.
      await del(alice, `/tasks/${id}`).expect(409);
      expect(idsOf((await get(alice, '/tasks?status=pending&limit=50').expect(200)).body)).toContain(id);
      expect(existsSync(row.filePath!)).toBe(true);
    });

    it('POST /api/v1/tasks/upload answers 403 without demo.files, 400 without a file, 401 without a token, and keeps no file', async () => {
      const runner = await createCaller(t.app, { permissions: ['demo.run'] });
      const before = readdirSync(storage).length;
      const denied = await upload(runner, Buffer.from('x')).expect(403);
      expect(denied.body.message).toMatch(/missing: demo\.files/);
      await post(alice, '/tasks/upload').field('resource', 'r').expect(400);
      await upload(null, Buffer.from('x')).expect(401);
      expect(readdirSync(storage).length).toBe(before);
      expect(await repo().countBy({ ownerId: runner.principal.id })).toBe(0);
    });

    it('PATCH /api/v1/tasks/<id> with the seed’s examples answers the task object, processing, as the native PATCH', async () => {
      const task = await seed(alice, { status: 'pending' });
      const first = await patch(alice, `/tasks/${task.id}`, { status: 'processing', progress: 50 }).expect(200);
      expect(Object.keys(first.body).sort()).toEqual(TASK_FIELDS);
      expect(first.body).toMatchObject({ task_id: task.id, status: 'processing', progress: 50 });
      const second = await patch(alice, `/tasks/${task.id}`, { status: 'processing', progress: 25 }).expect(200);
      expect(second.body).toMatchObject({ task_id: task.id, status: 'processing', progress: 25 });
      expect((await get(alice, `/executions/${task.id}`).expect(200)).body).toMatchObject({ status: 'running', progress: 25 });
      const done = await patch(alice, `/tasks/${task.id}`, { status: 'completed' }).expect(200);
      expect(done.body).toMatchObject({ status: 'completed', progress: 100 });
      const late = await patch(alice, `/tasks/${task.id}`, { progress: 10 }).expect(409);
      expect(late.body.message).toMatch(/completed/);
      // The seed's own example id is not an id: 404, as the seed documents it.
      await patch(alice, '/tasks/task-1754556928-12a41dbec', { status: 'processing', progress: 25 }).expect(404);
      await patch(alice, '/tasks/1754556928', { status: 'processing', progress: 25 }).expect(404);
      // The seed's "incorrect" call: the wrong path is no route at all.
      await t
        .http()
        .patch('/api/task/1754556928')
        .set('Authorization', alice.auth)
        .send({ status: 'processing', progress: 25 })
        .expect(404);
    });

    it('PATCH sets error on failed, takes only the seed’s words and fields (400) and needs executions.update (403)', async () => {
      const task = await seed(alice, { status: 'running', progress: 10 });
      for (const body of [
        { status: 'running' },
        { status: 'pending' },
        { status: 'cancelled' },
        { progress: 101 },
        { progress: 'half' },
        { stage: 'external' },
        { error_message: 42 },
        {},
      ]) {
        const refused = await patch(alice, `/tasks/${task.id}`, body);
        expect({ body, status: refused.status }).toEqual({ body, status: 400 });
      }
      expect(await reread(task.id)).toMatchObject({ status: 'running', progress: 10 });
      expect(await auditRows(alice, 'execution.update', task.id)).toHaveLength(0);
      const failed = await patch(alice, `/tasks/${task.id}`, { status: 'failed', error_message: 'disk full' }).expect(200);
      expect(failed.body).toMatchObject({ status: 'failed', error: 'disk full' });
      const mine = await seed(lister, { status: 'running' });
      const denied = await patch(lister, `/tasks/${mine.id}`, { status: 'processing', progress: 50 }).expect(403);
      expect(denied.body).toMatchObject({ statusCode: 403 });
      expect((await reread(mine.id)).progress).toBe(0);
    });

    it('POST /api/v1/tasks/<id>/retry answers 202 with the new task object; 409 for a completed, pending or processing one', async () => {
      for (const status of ['failed', 'timeout', 'cancelled'] as const) {
        const original = await seed(alice, { status, kwargs: { a: 4, b: 5 }, error: 'boom' });
        const { body } = await post(alice, `/tasks/${original.id}/retry`).expect(202);
        expect(Object.keys(body).sort()).toEqual(TASK_FIELDS);
        expect(body).toMatchObject({ status: 'pending', type: 'demo.add', metadata: { a: 4, b: 5 }, error: null, progress: 0 });
        expect(body.task_id).toMatch(UUID);
        expect(body.task_id).not.toBe(original.id);
        expect((await get(alice, `/executions/${body.task_id}`).expect(200)).body).toMatchObject({
          retried_from: original.id,
          status: 'pending',
        });
        expect((await get(alice, `/tasks/${body.task_id}`).expect(200)).body).toEqual(body);
      }
      for (const status of ['completed', 'pending', 'running'] as const) {
        const busy = await seed(alice, { status });
        const refused = await post(alice, `/tasks/${busy.id}/retry`).expect(409);
        expect(refused.body.message).toMatch(new RegExp(`this one is ${status}`));
        expect(await repo().countBy({ retriedFrom: busy.id })).toBe(0);
      }
      await post(alice, '/tasks/task_abc123/retry').expect(404);
    });

    it('retry checks the permissions again: 403 once the permission was taken away', async () => {
      const carol = await createCaller(t.app, { permissions: ['demo.run'] });
      const failed = await seed(carol, { status: 'failed' });
      const grants = (await get(admin, `/admin/grants?principal_id=${carol.principal.id}`).expect(200)).body;
      for (const grant of grants) await del(admin, `/admin/grants/${grant.id}`).expect(204);
      const denied = await post(carol, `/tasks/${failed.id}/retry`).expect(403);
      expect(denied.body.message).toMatch(/missing: demo\.run/);
      expect(await repo().countBy({ retriedFrom: failed.id })).toBe(0);
      const [audited] = await dataSource(t.app)
        .getRepository(AuditEvent)
        .findBy({ actorId: carol.principal.id, action: 'execution.execute_denied' });
      expect(audited.details).toEqual({ missing_permissions: ['demo.run'], retried_from: failed.id });
    });
  });

  describe('one core with the native API', () => {
    it('answers 401 without a token, or with a bad one, on every route', async () => {
      const id = listed[0].id;
      const bad = { auth: `Bearer tgw_${'x'.repeat(40)}` } as TestCaller;
      for (const caller of [null, bad]) {
        await get(caller, '/tasks').expect(401);
        await get(caller, '/tasks/?page=1&page_size=5').expect(401);
        await get(caller, '/tasks/statistics').expect(401);
        await get(caller, `/tasks/${id}`).expect(401);
        await get(caller, '/tasks/task_abc123').expect(401);
        await del(caller, `/tasks/${id}`).expect(401);
        await patch(caller, `/tasks/${id}`, { status: 'processing', progress: 50 }).expect(401);
        await post(caller, `/tasks/${id}/retry`).expect(401);
        await upload(caller, Buffer.from('x')).expect(401);
      }
      expect(await repo().countBy({ id })).toBe(1);
    });

    it('answers another principal’s task on GET, DELETE, PATCH and retry exactly like a missing one (404), and leaves it alone', async () => {
      const theirs = await seed(bob, { status: 'failed' });
      const theirsRunning = await seed(bob, { status: 'running' });
      const missing = randomUUID();
      const same = (foreign: { body: TaskObject }, absent: { body: TaskObject }, foreignId: string) =>
        expect({ ...foreign.body, message: foreign.body.message.replace(foreignId, '<id>') }).toEqual({
          ...absent.body,
          message: absent.body.message.replace(missing, '<id>'),
        });
      same(await get(alice, `/tasks/${theirs.id}`).expect(404), await get(alice, `/tasks/${missing}`).expect(404), theirs.id);
      same(await del(alice, `/tasks/${theirs.id}`).expect(404), await del(alice, `/tasks/${missing}`).expect(404), theirs.id);
      same(await post(alice, `/tasks/${theirs.id}/retry`).expect(404), await post(alice, `/tasks/${missing}/retry`).expect(404), theirs.id);
      same(
        await patch(alice, `/tasks/${theirsRunning.id}`, { status: 'processing', progress: 50 }).expect(404),
        await patch(alice, `/tasks/${missing}`, { status: 'processing', progress: 50 }).expect(404),
        theirsRunning.id,
      );
      // Without executions.update it is still a 404, not a 403 that would say the task exists.
      await patch(lister, `/tasks/${theirsRunning.id}`, { progress: 50 }).expect(404);
      expect(await reread(theirs.id)).toMatchObject({ status: 'failed' });
      expect(await reread(theirsRunning.id)).toMatchObject({ status: 'running', progress: 0 });
      expect(await repo().countBy({ retriedFrom: theirs.id })).toBe(0);
      expect(idsOf((await get(alice, '/tasks?limit=50').expect(200)).body)).not.toContain(theirs.id);
      // An admin sees everyone's.
      expect((await get(admin, `/tasks/${theirs.id}`).expect(200)).body).toMatchObject({ task_id: theirs.id, status: 'failed' });
    });

    it('keeps the native routes first: available and catalog answer the native lists, execute is never a task id', async () => {
      const available = (await get(lister, '/tasks/available').expect(200)).body;
      const names = available.map((task: { task_name: string }) => task.task_name);
      expect(names).toEqual(expect.arrayContaining(['demo.add', 'demo.fail', 'demo.sleep']));
      expect(names).not.toContain('demo.checksum');
      expect(available[0]).toHaveProperty('kwargs_schema');
      expect(available[0]).not.toHaveProperty('task_id');
      const catalog = (await get(lister, '/tasks/catalog').expect(200)).body;
      expect(Array.isArray(catalog)).toBe(true);
      expect(catalog.map((task: { task_name: string }) => task.task_name)).toEqual(expect.arrayContaining(['demo.add', 'demo.checksum']));
      expect(catalog.find((task: { task_name: string }) => task.task_name === 'demo.checksum')).toMatchObject({ can_execute: false });
      for (const word of ['execute', 'execute-batch', 'explain', 'available', 'catalog', 'upload']) {
        await post(alice, `/tasks/${word}/retry`).expect(404);
      }
      for (const word of ['execute', 'execute-batch', 'explain']) await get(lister, `/tasks/${word}`).expect(404);
      await del(alice, '/tasks/available').expect(404);
      await patch(alice, '/tasks/execute', { progress: 1 }).expect(404);
      const executed = await post(alice, '/tasks/execute')
        .send({ task_name: 'demo.add', kwargs: { a: 1, b: 1 } })
        .expect(202);
      expect(executed.body).toMatchObject({ execution_id: expect.stringMatching(UUID), status: 'pending' });
    });

    it('audits delete, retry and update made through the seed routes with the native rows', async () => {
      const done = await seed(alice, { status: 'completed' });
      await del(alice, `/tasks/${done.id}`).expect(204);
      const [deleted] = await auditRows(alice, 'execution.delete', done.id);
      expect(deleted).toMatchObject({
        tokenId: alice.token.id,
        targetType: 'execution',
        details: { task_name: 'demo.add', status: 'completed' },
      });

      const failed = await seed(alice, { status: 'failed' });
      const retried = (await post(alice, `/tasks/${failed.id}/retry`).expect(202)).body;
      const [retry] = await auditRows(alice, 'execution.retry', retried.task_id);
      expect(retry).toMatchObject({ tokenId: alice.token.id, details: { task_name: 'demo.add', retried_from: failed.id } });

      const pending = await seed(alice, { status: 'pending' });
      await patch(alice, `/tasks/${pending.id}`, { status: 'processing', progress: 50 }).expect(200);
      const [update] = await auditRows(alice, 'execution.update', pending.id);
      expect(update).toMatchObject({ tokenId: alice.token.id, details: { progress: 50, from: 'pending', to: 'running' } });
    });
  });

  describe('WS /api/v1/ws/tasks/<client_id>', () => {
    const sockets: WsClient[] = [];
    const open = async (caller: TestCaller, clientId?: string) => {
      const client = await seedSocket(caller, clientId);
      sockets.push(client);
      return client;
    };
    afterEach(() => {
      for (const socket of sockets.splice(0)) socket.close();
    });
    const updatesOf = (client: WsClient, id: string) => client.messages.filter((m) => m.task_id === id && m.type === 'task_update');

    it('refuses an upgrade without a valid token (401); takes the token in the header or ?token=', async () => {
      await expect(openWs(port, {}, `${API}/ws/tasks/client-1`)).rejects.toThrow(/upgrade refused: 401/);
      await expect(openWs(port, { header: `Bearer tgw_${'x'.repeat(40)}` }, `${API}/ws/tasks/client-1`)).rejects.toThrow(/401/);
      await expect(openWs(port, { query: 'nope' }, `${API}/ws/tasks/client-1`)).rejects.toThrow(/401/);
      const viaQuery = await openWs(port, { query: alice.secret }, `${API}/ws/tasks/client-2`);
      sockets.push(viaQuery);
      const task = await seed(alice, { status: 'pending' });
      viaQuery.send({ type: 'subscribe', task_id: task.id });
      await viaQuery.waitFor((m) => m.task_id === task.id);
    });

    it('sends {type: "task_update", task_id, status, progress} in the seed’s words, the current state first, then each change', async () => {
      const client = await open(alice);
      const task = await seed(alice, { status: 'pending' });
      client.send({ type: 'subscribe', task_id: task.id });
      const current = await client.waitFor((m) => m.task_id === task.id);
      expect(current).toEqual({ type: 'task_update', task_id: task.id, status: 'pending', progress: 0 });
      // The native PATCH moves it: the seed socket says processing.
      await patch(alice, `/executions/${task.id}`, { status: 'running', progress: 30, stage: 'rendering' }).expect(200);
      expect(await client.waitFor((m) => m.task_id === task.id && m.progress === 30)).toEqual({
        type: 'task_update',
        task_id: task.id,
        status: 'processing',
        progress: 30,
      });
      await patch(alice, `/tasks/${task.id}`, { status: 'processing', progress: 60 }).expect(200);
      await client.waitFor((m) => m.task_id === task.id && m.progress === 60);
      await patch(alice, `/tasks/${task.id}`, { status: 'failed', error_message: 'out of paper' }).expect(200);
      await client.waitFor((m) => m.task_id === task.id && m.status === 'failed');
      expect(updatesOf(client, task.id)).toEqual([
        { type: 'task_update', task_id: task.id, status: 'pending', progress: 0 },
        { type: 'task_update', task_id: task.id, status: 'processing', progress: 30 },
        { type: 'task_update', task_id: task.id, status: 'processing', progress: 60 },
        { type: 'task_update', task_id: task.id, status: 'failed', progress: 60 },
      ]);
      for (const message of client.messages) expect(Object.keys(message).sort()).toEqual(['progress', 'status', 'task_id', 'type']);
      // The seed's own id (any letter case) subscribes the same execution.
      const other = await open(alice);
      other.send({ type: 'subscribe', task_id: task.id.toUpperCase() });
      expect(await other.waitFor((m) => m.type === 'task_update')).toEqual({
        type: 'task_update',
        task_id: task.id,
        status: 'failed',
        progress: 60,
      });
    });

    it('stops sending after unsubscribe', async () => {
      const client = await open(alice);
      const [left, kept] = [await seed(alice, { status: 'running' }), await seed(alice, { status: 'running' })];
      client.send({ type: 'subscribe', task_id: left.id });
      client.send({ type: 'subscribe', task_id: kept.id });
      await client.waitFor((m) => m.task_id === left.id);
      await client.waitFor((m) => m.task_id === kept.id);
      client.send({ type: 'unsubscribe', task_id: left.id });
      // The socket's messages are handled in order: once a later one is answered, the unsubscribe was done.
      client.send({ type: 'subscribe', task_id: 'not-an-id' });
      await client.waitFor((m) => m.type === 'error');
      await patch(alice, `/tasks/${left.id}`, { progress: 70 }).expect(200);
      await patch(alice, `/tasks/${kept.id}`, { progress: 80 }).expect(200);
      // Changes are published in order on one channel: the later one arriving means the earlier was not sent.
      await client.waitFor((m) => m.task_id === kept.id && m.progress === 80);
      expect(updatesOf(client, left.id)).toEqual([{ type: 'task_update', task_id: left.id, status: 'processing', progress: 0 }]);
    });

    it('answers a foreign task_id with an error and nothing about it', async () => {
      const spy = await open(alice);
      const theirs = await seed(bob, { status: 'running' });
      const mine = await seed(alice, { status: 'running' });
      spy.send({ type: 'subscribe', task_id: theirs.id });
      const refused = await spy.waitFor((m) => m.type === 'error');
      expect(refused).toEqual({ type: 'error', message: expect.stringContaining('not found') });
      spy.send({ type: 'subscribe', task_id: mine.id });
      await spy.waitFor((m) => m.task_id === mine.id);
      await patch(bob, `/tasks/${theirs.id}`, { progress: 90 }).expect(200);
      await patch(alice, `/tasks/${mine.id}`, { progress: 20 }).expect(200);
      await spy.waitFor((m) => m.task_id === mine.id && m.progress === 20);
      // Only the refusal names it (as the id sent): no status, no progress, no update.
      expect(spy.messages.filter((m) => JSON.stringify(m).includes(theirs.id))).toEqual([refused]);
    });

    it('names executions by task_id only: a malformed task_id or an execution_id is an error; the native socket keeps its own messages', async () => {
      const client = await open(alice);
      const task = await seed(alice, { status: 'pending' });
      client.send({ type: 'subscribe', task_id: 'task-1754556928-12a41dbec' });
      client.send({ type: 'subscribe', execution_id: task.id });
      await pollUntil(
        () => client.messages.filter((m) => m.type === 'error'),
        (errors) => errors.length === 2,
        { timeoutMs: 5_000, intervalMs: 20 },
      );
      expect(client.messages).toEqual([
        { type: 'error', message: expect.stringMatching(/task_id must be/) },
        { type: 'error', message: expect.stringMatching(/task_id must be/) },
      ]);
      const native = await openWs(port, { header: alice.auth });
      sockets.push(native);
      native.send({ type: 'subscribe', execution_id: task.id });
      expect(await native.waitFor((m) => m.type === 'task_update')).toMatchObject({ execution_id: task.id, status: 'pending' });
      // Only /api/v1/ws/tasks/<client_id> is the seed's socket.
      await expect(openWs(port, { header: alice.auth }, `${API}/ws/tasks/`)).rejects.toThrow();
      await expect(openWs(port, { header: alice.auth }, `${API}/ws/tasks/a/b`)).rejects.toThrow();
    });
  });
});
