import { Injectable, Module } from '@nestjs/common';
import { IsString } from 'class-validator';
import { AuditEvent } from '../src/audit/audit-event.entity';
import { PrincipalsService } from '../src/auth/principals.service';
import { Execution } from '../src/executions/execution.entity';
import { ApiTask } from '../src/task-registry/api-task.decorator';
import { createCaller, dataSource, insertExecution, TestCaller, uniqueName } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';
import { pollUntil } from './support/wait-for';

class VerificationKwargs {
  @IsString()
  verification_url: string;
}

/** The task of seed 002's own example, declared as that document declares it. */
@Injectable()
class SeedExampleTasks {
  @ApiTask(['user_org.can_send_email'], 'Send verification email to user', {
    name: 'user_org.tasks.send_verification_email_api',
    kwargs: VerificationKwargs,
  })
  sendVerificationEmail() {
    return true;
  }
}

@Module({ providers: [SeedExampleTasks] })
class SeedExampleTasksModule {}

const SEED_TASK = 'user_org.tasks.send_verification_email_api';
const UUID = expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
const CELERY_FIELDS = [
  'id',
  'task_name',
  'celery_task_id',
  'status',
  'result',
  'args',
  'kwargs',
  'created_at',
  'started_at',
  'completed_at',
  'duration',
  'is_complete',
  'traceback',
];
const USER_TASK_FIELDS = [
  'task_id',
  'user_id',
  'learning_path_id',
  'status',
  'stage',
  'progress',
  'total_items',
  'completed_items',
  'result_message',
  'error_details',
  'started_at',
  'ended_at',
  'id',
  'created_at',
  'updated_at',
];

/**
 * SPEC 8.1: the Django/Celery Task API (seed 002) and the user task status API (seed 001) at
 * `/api/tasks`, every example call of both documents replayed (with a token where the seed left it
 * implicit), over the native core: its tokens, permissions, visibility and audit.
 */
describe('seed APIs at /api/tasks (e2e)', () => {
  let t: TestApp;
  let sender: TestCaller;
  let intruder: TestCaller;
  let admin: TestCaller;
  const base = Date.parse('2026-03-01T00:00:00.000Z');
  let seq = 0;

  const seed = (owner: TestCaller, fields: Partial<Execution> = {}): Promise<Execution> =>
    insertExecution(t.app, owner.principal.id, { ...fields, createdAt: fields.createdAt ?? new Date(base + seq++ * 1000) });
  const get = (path: string, caller: TestCaller | null) => {
    const call = t.http().get(path);
    return caller ? call.set('Authorization', `Token ${caller.secret}`) : call;
  };

  beforeAll(async () => {
    t = await createTestApp({ taskModules: [SeedExampleTasksModule] });
    // Seed 002's set-up: the permission goes to a group, the user joins the group.
    const group = uniqueName('email-senders');
    await t.app.get(PrincipalsService).createGroup(group, ['user_org.can_send_email']);
    sender = await createCaller(t.app, { groups: [group] });
    intruder = await createCaller(t.app, { permissions: ['demo.run'] });
    admin = await createCaller(t.app, { isAdmin: true });
  });

  afterAll(() => t.close());

  describe('the Celery Task API (seed 002)', () => {
    let executionId: string;

    it('executes the example call (Authorization: Token …) and answers 202 in Celery’s words', async () => {
      const accepted = await t
        .http()
        .post('/api/tasks/execute/')
        .set('Authorization', `Token ${sender.secret}`)
        .set('Content-Type', 'application/json')
        .send({ task_name: SEED_TASK, args: [123], kwargs: { verification_url: 'https://example.com/verify/abc123' } })
        .expect(202);
      expect(accepted.body).toEqual({
        execution_id: UUID,
        celery_task_id: accepted.body.execution_id,
        status: 'PENDING',
        message: 'Task submitted successfully',
      });
      executionId = accepted.body.execution_id;
      const audited = await dataSource(t.app).getRepository(AuditEvent).findBy({ action: 'execution.execute', targetId: executionId });
      expect(audited.map((row) => row.actorId)).toEqual([sender.principal.id]);
    });

    it('checks the status as the example does: SUCCESS with the result, the input and H:MM:SS', async () => {
      const done = await pollUntil(
        () => get(`/api/tasks/${executionId}/`, sender).expect(200),
        (response) => response.body.status === 'SUCCESS',
        { timeoutMs: 15_000, intervalMs: 50 },
      );
      expect(Object.keys(done.body).sort()).toEqual([...CELERY_FIELDS].sort());
      expect(done.body).toMatchObject({
        id: executionId,
        task_name: SEED_TASK,
        celery_task_id: executionId,
        status: 'SUCCESS',
        result: true,
        args: [123],
        kwargs: { verification_url: 'https://example.com/verify/abc123' },
        duration: expect.stringMatching(/^0:00:\d\d$/),
        is_complete: true,
        traceback: null,
      });
      const native = await t.http().get(`/api/v1/executions/${executionId}`).set('Authorization', sender.auth).expect(200);
      expect(done.body).toMatchObject({
        created_at: native.body.created_at,
        started_at: native.body.started_at,
        completed_at: native.body.completed_at,
      });
      // Without the trailing slash too, as Django would redirect there.
      expect((await get(`/api/tasks/${executionId}`, sender).expect(200)).body.id).toBe(executionId);
    });

    it('lists the available tasks as the example shows them, and only those the caller may run', async () => {
      const listed = await get('/api/tasks/available/', sender).expect(200);
      expect(listed.body).toEqual([
        { task_name: SEED_TASK, description: 'Send verification email to user', permissions: ['user_org.can_send_email'] },
      ]);
      const others = await get('/api/tasks/available/', intruder).expect(200);
      expect(others.body.map((task: { task_name: string }) => task.task_name)).not.toContain(SEED_TASK);
      expect(others.body.map((task: { task_name: string }) => task.task_name)).toContain('demo.add');
    });

    it('pages the history (?status=SUCCESS&page=1) in Django REST Framework pages with absolute links', async () => {
      const owner = await createCaller(t.app);
      for (let i = 0; i < 23; i++) await seed(owner, { status: 'completed', durationMs: 1000 });
      for (const status of ['failed', 'timeout', 'cancelled', 'running'] as const) await seed(owner, { status });
      const first = await get('/api/tasks/?status=SUCCESS&page=1', owner).expect(200);
      expect(Object.keys(first.body).sort()).toEqual(['count', 'next', 'previous', 'results']);
      expect(first.body.count).toBe(23);
      expect(first.body.results).toHaveLength(20);
      expect(first.body.results.every((task: { status: string }) => task.status === 'SUCCESS')).toBe(true);
      expect(first.body.next).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/tasks\/\?status=SUCCESS&page=2$/);
      expect(first.body.previous).toBeNull();
      const second = await get(new URL(first.body.next as string).pathname + new URL(first.body.next as string).search, owner).expect(200);
      expect(second.body.results).toHaveLength(3);
      expect(second.body.next).toBeNull();
      expect(second.body.previous).toMatch(/\/api\/tasks\/\?status=SUCCESS$/);
      const ids = [...first.body.results, ...second.body.results].map((task: { id: string }) => task.id);
      expect(new Set(ids).size).toBe(23);
      const created = [...first.body.results, ...second.body.results].map((task: { created_at: string }) => task.created_at);
      expect(created).toEqual([...created].sort().reverse()); // newest first
      expect((await get('/api/tasks/?status=FAILURE', owner).expect(200)).body.count).toBe(2); // failed and timeout
      expect((await get('/api/tasks/?status=REVOKED', owner).expect(200)).body.count).toBe(1);
      expect((await get('/api/tasks/?status=STARTED', owner).expect(200)).body.count).toBe(1);
      expect((await get('/api/tasks/?page_size=5&page=6', owner).expect(200)).body.results).toHaveLength(2);
      expect((await get('/api/tasks/', owner).expect(200)).body.count).toBe(27);
      const past = await get('/api/tasks/?status=SUCCESS&page=3', owner).expect(404);
      expect(past.body.message).toBe('Invalid page.');
      const empty = await get('/api/tasks/?status=PENDING', owner).expect(200);
      expect(empty.body).toEqual({ count: 0, next: null, previous: null, results: [] });
    });

    it('shows each status as its Celery state, and the duration as H:MM:SS once finished', async () => {
      const owner = await createCaller(t.app);
      const cases: Array<[Partial<Execution>, string, string | null]> = [
        [{ status: 'pending', durationMs: null }, 'PENDING', null],
        [{ status: 'running', durationMs: null }, 'STARTED', null],
        [{ status: 'completed', durationMs: 4000 }, 'SUCCESS', '0:00:04'],
        [{ status: 'failed', durationMs: 3_723_999, traceback: 'Error: boom\n    at x' }, 'FAILURE', '1:02:03'],
        [{ status: 'timeout', durationMs: 93_600_000, error: 'timed out after 93600000 ms' }, 'FAILURE', '26:00:00'],
        [{ status: 'cancelled', durationMs: 999 }, 'REVOKED', '0:00:00'],
      ];
      for (const [fields, state, duration] of cases) {
        const execution = await seed(owner, fields);
        const shown = await get(`/api/tasks/${execution.id}/`, owner).expect(200);
        expect({ status: shown.body.status, duration: shown.body.duration }).toEqual({ status: state, duration });
        expect(shown.body.is_complete).toBe(!['pending', 'running'].includes(fields.status as string));
        // A FAILURE says why: the traceback, else the error (a timeout has no traceback).
        expect(shown.body.traceback).toBe(state === 'FAILURE' ? (fields.traceback ?? fields.error) : null);
      }
    });

    it('refuses as the native API does: 401, 400, 403 (audited), 404 for unknown tasks, other principals’ and malformed ids', async () => {
      const body = { task_name: SEED_TASK, args: [123], kwargs: { verification_url: 'https://example.com/verify/abc123' } };
      await t.http().post('/api/tasks/execute/').send(body).expect(401);
      await t.http().post('/api/tasks/execute/').set('Authorization', 'Token tgw_not-a-real-token').send(body).expect(401);
      for (const path of [`/api/tasks/${executionId}/`, '/api/tasks/available/', '/api/tasks/?status=SUCCESS&page=1']) {
        await get(path, null).expect(401);
      }
      const execute = (caller: TestCaller, payload: object) =>
        t.http().post('/api/tasks/execute/').set('Authorization', `Token ${caller.secret}`).send(payload);
      const missing = await execute(sender, { ...body, kwargs: {} }).expect(400);
      expect(JSON.stringify(missing.body.message)).toMatch(/verification_url/);
      await execute(sender, { ...body, countdown: 5 }).expect(400);
      await execute(sender, { task_name: 'user_org.tasks.no_such_task' }).expect(404);
      const before = await dataSource(t.app).getRepository(Execution).countBy({ ownerId: intruder.principal.id });
      const denied = await execute(intruder, body).expect(403);
      expect(denied.body.message).toMatch(/user_org\.can_send_email/);
      expect(await dataSource(t.app).getRepository(Execution).countBy({ ownerId: intruder.principal.id })).toBe(before);
      const audited = await dataSource(t.app)
        .getRepository(AuditEvent)
        .findBy({ actorId: intruder.principal.id, action: 'execution.execute_denied', targetId: SEED_TASK });
      expect(audited).toHaveLength(1);

      const foreign = await get(`/api/tasks/${executionId}/`, intruder).expect(404);
      const absent = await get('/api/tasks/00000000-0000-4000-8000-000000000000/', intruder).expect(404);
      expect(foreign.body.message.replace(executionId, '…')).toBe(absent.body.message.replace('00000000-0000-4000-8000-000000000000', '…'));
      await get('/api/tasks/550e8400-e29b-41d4-a716-446655440000/', sender).expect(404);
      await get('/api/tasks/c8a0f0e8-not-a-uuid/', sender).expect(404);
      // The admin sees everyone's, as in the native API.
      expect((await get(`/api/tasks/${executionId}/`, admin).expect(200)).body.id).toBe(executionId);
    });
  });

  describe('the user task status API (seed 001)', () => {
    let owner: TestCaller;

    beforeAll(async () => {
      owner = await createCaller(t.app, { permissions: ['demo.run'] });
    });

    it('answers GET /api/tasks/{task_id}/status with the UserTaskResponse fields', async () => {
      const started = new Date(base + 5000);
      const running = await seed(owner, {
        status: 'running',
        resource: 'learning_path:456',
        stage: 'generating_cards',
        progress: 45,
        totalItems: 50,
        completedItems: 23,
        startedAt: started,
        completedAt: null,
        durationMs: null,
      });
      const response = await get(`/api/tasks/${running.id}/status`, owner).expect(200);
      expect(Object.keys(response.body).sort()).toEqual([...USER_TASK_FIELDS].sort());
      expect(response.body).toEqual({
        task_id: running.id,
        user_id: owner.principal.id,
        learning_path_id: 456,
        status: 'running',
        stage: 'generating_cards',
        progress: 45,
        total_items: 50,
        completed_items: 23,
        result_message: null,
        error_details: null,
        started_at: started.toISOString(),
        ended_at: null,
        id: running.id,
        created_at: running.createdAt.toISOString(),
        updated_at: running.updatedAt.toISOString(),
      });
    });

    it('shows timeout as timeout, and a cancelled task as failed with a result_message that says so', async () => {
      const ended = new Date(base + 9000);
      const cases: Array<[Partial<Execution>, Record<string, unknown>]> = [
        [
          { status: 'pending', resource: 'invoice-7' },
          { status: 'pending', learning_path_id: null, result_message: null, completed_items: 0 },
        ],
        [
          { status: 'completed', completedAt: ended, progress: 100, message: 'Cards ready.' },
          { status: 'completed', ended_at: ended.toISOString(), result_message: 'Cards ready.', error_details: null },
        ],
        [
          { status: 'failed', completedAt: ended, error: 'boom', traceback: 'Error: boom\n    at generate' },
          { status: 'failed', result_message: 'Task failed during execution.', error_details: 'Error: boom\n    at generate' },
        ],
        [
          { status: 'timeout', completedAt: ended, error: 'timed out after 1000 ms' },
          { status: 'timeout', result_message: 'Task timed out.', error_details: 'timed out after 1000 ms' },
        ],
        [
          { status: 'cancelled', completedAt: ended, message: 'halfway' },
          { status: 'failed', result_message: 'Task was cancelled.', error_details: null, ended_at: ended.toISOString() },
        ],
      ];
      for (const [fields, expected] of cases) {
        const execution = await seed(owner, fields);
        expect((await get(`/api/tasks/${execution.id}/status`, owner).expect(200)).body).toMatchObject(expected);
      }
    });

    it('answers another principal’s task, a missing one and a malformed id alike: 404', async () => {
      const theirs = await seed(intruder, { status: 'running' });
      const foreign = await get(`/api/tasks/${theirs.id}/status`, owner).expect(404);
      const absent = await get('/api/tasks/00000000-0000-4000-8000-000000000000/status', owner).expect(404);
      expect(foreign.body.message.replace(theirs.id, '…')).toBe(absent.body.message.replace('00000000-0000-4000-8000-000000000000', '…'));
      await get('/api/tasks/full_path_gen_USERID_TIMESTAMP/status', owner).expect(404);
      await get(`/api/tasks/${theirs.id}/status`, null).expect(401);
      expect((await get(`/api/tasks/${theirs.id}/status`, admin).expect(200)).body.user_id).toBe(intruder.principal.id);
    });

    it('lists the caller’s own tasks newest first with skip and limit (default 20), for an admin too', async () => {
      const user = await createCaller(t.app);
      const ids: string[] = [];
      for (let i = 0; i < 25; i++) ids.push((await seed(user, { status: 'completed' })).id);
      await seed(intruder, { status: 'completed' });
      const newestFirst = [...ids].reverse();
      const page = await get('/api/tasks/users/me?skip=0&limit=20', user).expect(200);
      expect(page.body.map((task: { task_id: string }) => task.task_id)).toEqual(newestFirst.slice(0, 20));
      expect(Object.keys(page.body[0]).sort()).toEqual([...USER_TASK_FIELDS].sort());
      const rest = await get('/api/tasks/users/me?skip=18&limit=5', user).expect(200);
      expect(rest.body.map((task: { task_id: string }) => task.task_id)).toEqual(newestFirst.slice(18, 23));
      expect((await get('/api/tasks/users/me', user).expect(200)).body).toHaveLength(20);
      const adminOwn = await get('/api/tasks/users/me', admin).expect(200);
      expect(adminOwn.body.every((task: { user_id: string }) => task.user_id === admin.principal.id)).toBe(true);
      await get('/api/tasks/users/me?limit=0', user).expect(400);
      await get('/api/tasks/users/me?limit=101', user).expect(400);
      await get('/api/tasks/users/me?skip=-1', user).expect(400);
      await get('/api/tasks/users/me?offset=3', user).expect(400);
      await get('/api/tasks/users/me', null).expect(401);
    });

    it('finds the latest visible task of a learning path, and 404 when there is none the caller may see', async () => {
      const user = await createCaller(t.app);
      const path = 700_000 + Math.floor(Math.random() * 100_000);
      await seed(user, { resource: `learning_path:${path}`, status: 'completed' });
      const latest = await seed(user, { resource: `learning_path:${path}`, status: 'running', stage: 'generating_cards', progress: 75 });
      await seed(intruder, { resource: `learning_path:${path}`, status: 'pending' }); // newer, but not the user's
      const found = await get(`/api/tasks/learning-paths/${path}`, user).expect(200);
      expect(found.body).toMatchObject({ task_id: latest.id, learning_path_id: path, status: 'running', progress: 75 });
      await get(`/api/tasks/learning-paths/${path + 1}`, user).expect(404);
      await get(`/api/tasks/learning-paths/${path}`, await createCaller(t.app)).expect(404);
      const notANumber = await get('/api/tasks/learning-paths/not-a-number', user).expect(400);
      expect(notANumber.body.message).toEqual(['learning_path_id must be a whole number']);
      await get(`/api/tasks/learning-paths/${path}`, null).expect(401);
    });
  });
});
