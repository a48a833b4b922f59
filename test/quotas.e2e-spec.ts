import IORedis from 'ioredis';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { loadAppConfig } from '../src/config/load-app-config';
import { uniqueName } from './support/factories';
import { ManagedProcess } from './support/managed-process';
import { freePort, runCli, startGateway } from './support/processes';
import { deleteQueueKeys } from './support/test-app';
import { testEnv } from './support/test-config';
import { pollUntil } from './support/wait-for';

type Agent = ReturnType<typeof request>;
type Body = Record<string, any>;

const HOUR_QUOTA = /^quota exceeded: token "ci" allows \d+ executions? per hour$/;

/**
 * SPEC 7.13 over two API processes sharing one database and one Redis prefix, requests alternating
 * between them, and a worker process so executions finish. Quotas must hold across the processes.
 */
describe('quotas on grants and tokens across two API processes (e2e)', () => {
  // No execute rate limit here: only quotas refuse.
  const env: Record<string, string> = { ...testEnv({ LOG_FILE: '', LOG_LEVEL: 'info' }), RATE_LIMIT_EXECUTE: '0' };
  const processes: ManagedProcess[] = [];
  const http: Agent[] = [];
  let adminAuth: string;

  beforeAll(async () => {
    expect(runCli(env, 'migrate').status).toBe(0);
    const admin = uniqueName('quota-admin');
    expect(runCli(env, 'principal:create', admin, '--admin').status).toBe(0);
    adminAuth = `Bearer ${runCli(env, 'token:create', admin).stdout.trim()}`;
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      const gateway = startGateway({ ...env, ROLE: 'api', PORT: String(port) });
      processes.push(gateway);
      http.push(request(`http://127.0.0.1:${port}`));
    }
    const worker = startGateway({ ...env, ROLE: 'worker', PORT: String(await freePort()) });
    processes.push(worker);
    await Promise.all(processes.slice(0, 2).map((gateway) => gateway.waitForOutput(/listening on/, 60_000)));
    await worker.waitForOutput(/worker started/, 60_000);
  }, 90_000);

  afterAll(async () => {
    await Promise.all(processes.map((child) => child.stop()));
    await deleteQueueKeys(loadAppConfig(env));
  });

  /** The n-th request goes to one process, the next to the other. */
  const api = (n: number) => http[n % 2];

  async function adminPost(path: string, body: Body, status = 201): Promise<Body> {
    const response = await http[0].post(`/api/v1/admin${path}`).set('Authorization', adminAuth).send(body);
    expect({ status: response.status, body: response.body }).toMatchObject({ status });
    return response.body as Body;
  }

  /** A user with the given direct permissions and groups, and one token named "ci" (with `quota`). */
  async function user(options: { permissions?: string[]; groups?: string[]; quota?: Body; admin?: boolean } = {}) {
    const principal = await adminPost('/principals', { name: uniqueName('quota-user'), is_admin: options.admin ?? false });
    for (const permission of options.permissions ?? []) await adminPost('/grants', { principal_id: principal.id, permission });
    for (const group of options.groups ?? []) {
      await http[0].put(`/api/v1/admin/groups/${group}/members/${principal.id}`).set('Authorization', adminAuth).expect(204);
    }
    const created = await adminPost(`/principals/${principal.id}/tokens`, {
      name: 'ci',
      ...(options.quota ? { quota: options.quota } : {}),
    });
    return { id: principal.id as string, auth: `Bearer ${created.secret}`, token: created.token as Body };
  }

  const add = { task_name: 'demo.add', kwargs: { a: 1, b: 2 } };
  /** Runs until cancelled (well past any test): it holds its concurrent slot while running. */
  const long = { task_name: 'demo.sleep', kwargs: { ms: 600_000, steps: 600 } };

  const execute = (n: number, auth: string, body: Body = add) => api(n).post('/api/v1/tasks/execute').set('Authorization', auth).send(body);

  /** Sends them all at once, alternating processes: the quota decides, not the order of arrival. */
  const executeAll = (count: number, auth: string, body: Body = add) =>
    Promise.all(Array.from({ length: count }, (_, n) => execute(n, auth, body)));

  const statuses = (responses: Array<{ status: number }>) => responses.map((response) => response.status).sort();

  const get = (auth: string, id: string) => http[0].get(`/api/v1/executions/${id}`).set('Authorization', auth);

  async function waitFor(auth: string, id: string, status: string): Promise<void> {
    await pollUntil(
      async () => (await get(auth, id)).body.status as string,
      (current) => current === status,
      { timeoutMs: 30_000, intervalMs: 50 },
    );
  }

  describe('per hour', () => {
    it('accepts exactly N from both processes at once, then 429 naming the token quota with a sane Retry-After', async () => {
      const caller = await user({ permissions: ['demo.run'], quota: { per_hour: 3 } });
      const responses = await executeAll(8, caller.auth);
      expect(statuses(responses)).toEqual([202, 202, 202, 429, 429, 429, 429, 429]);
      for (const refused of responses.filter((response) => response.status === 429)) {
        expect(refused.body.message).toBe('quota exceeded: token "ci" allows 3 executions per hour');
        const retryAfter = Number(refused.headers['retry-after']);
        expect(retryAfter).toBeGreaterThan(3000);
        expect(retryAfter).toBeLessThanOrEqual(3600);
      }
      // Finished executions still count: the hour is about starts.
      const accepted = responses.find((response) => response.status === 202)!;
      await waitFor(caller.auth, accepted.body.execution_id as string, 'completed');
      expect((await execute(1, caller.auth)).status).toBe(429);
    });

    it('limits a direct grant by what it authorized, naming the grant', async () => {
      const caller = await user();
      const grant = await adminPost('/grants', { principal_id: caller.id, permission: 'demo.run', quota: { per_hour: 2 } });
      expect(grant.quota).toEqual({ per_hour: 2 });
      const responses = await executeAll(5, caller.auth);
      expect(statuses(responses)).toEqual([202, 202, 429, 429, 429]);
      const refused = responses.find((response) => response.status === 429)!;
      expect(refused.body.message).toBe(`quota exceeded: grant ${grant.id} of demo.run (direct) allows 2 executions per hour`);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    });

    it('applies a token quota to whoever uses the token, admins too', async () => {
      const admin = await user({ admin: true, quota: { per_hour: 1 } });
      await execute(0, admin.auth).expect(202);
      expect((await execute(1, admin.auth)).body.message).toBe('quota exceeded: token "ci" allows 1 execution per hour');
    });

    it('counts batch items one by one: of 5 with 3 left, 3 accepted and 2 answered 429', async () => {
      const caller = await user({ permissions: ['demo.run'], quota: { per_hour: 4 } });
      await execute(0, caller.auth).expect(202);
      const batch = await api(1)
        .post('/api/v1/tasks/execute-batch')
        .set('Authorization', caller.auth)
        .send({ items: Array.from({ length: 5 }, () => add) })
        .expect(200);
      expect(batch.body).toMatchObject({ accepted: 3, rejected: 2 });
      expect(batch.body.results.map((result: Body) => result.status)).toEqual([202, 202, 202, 429, 429]);
      expect(batch.body.results[3]).toEqual({ index: 3, status: 429, error: 'quota exceeded: token "ci" allows 4 executions per hour' });
      expect((await execute(0, caller.auth)).status).toBe(429);
    });

    it('consumes nothing for a request refused for another reason (400, 403, 404)', async () => {
      const caller = await user({ permissions: ['demo.run'], quota: { per_hour: 1 } });
      await execute(0, caller.auth, { task_name: 'demo.add', kwargs: { a: 'x' } }).expect(400);
      await execute(1, caller.auth, { task_name: 'demo.checksum' }).expect(403);
      await execute(0, caller.auth, { task_name: 'no.such-task' }).expect(404);
      const batch = await api(1)
        .post('/api/v1/tasks/execute-batch')
        .set('Authorization', caller.auth)
        .send({ items: [{ task_name: 'demo.add', kwargs: {} }, { task_name: 'demo.checksum' }] })
        .expect(200);
      expect(batch.body.results.map((result: Body) => result.status)).toEqual([400, 403]);
      await execute(1, caller.auth).expect(202);
      expect((await execute(0, caller.auth)).body.message).toMatch(HOUR_QUOTA);
    });

    it('consumes nothing for an idempotent replay, which still answers when the quota is used up', async () => {
      const caller = await user({ permissions: ['demo.run'], quota: { per_hour: 2 } });
      const first = await execute(0, caller.auth).set('Idempotency-Key', 'quota-key').expect(202);
      const replay = await execute(1, caller.auth).set('Idempotency-Key', 'quota-key').expect(202);
      expect(replay.body.execution_id).toBe(first.body.execution_id);
      await execute(0, caller.auth).expect(202);
      // Used up: a replay still answers with its execution, a new request does not.
      const again = await execute(1, caller.auth).set('Idempotency-Key', 'quota-key').expect(202);
      expect(again.body.execution_id).toBe(first.body.execution_id);
      expect((await execute(0, caller.auth).set('Idempotency-Key', 'another-key')).status).toBe(429);
      // Batch items with keys too.
      const batch = await api(1)
        .post('/api/v1/tasks/execute-batch')
        .set('Authorization', caller.auth)
        .send({ items: [{ ...add, idempotency_key: 'quota-key' }, add] })
        .expect(200);
      expect(batch.body.results).toEqual([
        { index: 0, status: 202, execution_id: first.body.execution_id },
        { index: 1, status: 429, error: 'quota exceeded: token "ci" allows 2 executions per hour' },
      ]);
    });

    it('counts uploads and retries; a bulk retry makes those that fit and skips the rest', async () => {
      const caller = await user({ permissions: ['demo.run', 'demo.files'], quota: { per_hour: 4 } });
      const failing = { task_name: 'demo.fail', kwargs: { message: 'no' } };
      const failed = await Promise.all([execute(0, caller.auth, failing).expect(202), execute(1, caller.auth, failing).expect(202)]);
      for (const response of failed) await waitFor(caller.auth, response.body.execution_id as string, 'failed');
      await api(0)
        .post('/api/v1/tasks/demo.checksum/upload')
        .set('Authorization', caller.auth)
        .attach('file', Buffer.from('x'), 'x.txt')
        .expect(202);
      // One left: the bulk retry of the two failed ones makes one and skips the other.
      const bulk = await api(1)
        .post('/api/v1/executions/retry')
        .set('Authorization', caller.auth)
        .send({ filter: { task_name: 'demo.fail', status: 'failed' } })
        .expect(200);
      expect(bulk.body).toMatchObject({ matched: 2, affected: 1 });
      const retry = await api(0).post(`/api/v1/executions/${failed[0].body.execution_id}/retry`).set('Authorization', caller.auth);
      expect({ status: retry.status, message: retry.body.message }).toEqual({
        status: 429,
        message: 'quota exceeded: token "ci" allows 4 executions per hour',
      });
      expect(Number(retry.headers['retry-after'])).toBeGreaterThan(0);
      const upload = await api(1)
        .post('/api/v1/tasks/demo.checksum/upload')
        .set('Authorization', caller.auth)
        .attach('file', Buffer.from('x'), 'x.txt');
      expect(upload.status).toBe(429);
    });
  });

  describe('concurrent', () => {
    it('holds a grant quota held through a group over both processes, freed when an execution is cancelled or finishes', async () => {
      const groupName = uniqueName('quota-group');
      const group = await adminPost('/groups', { name: groupName });
      const grant = await adminPost('/grants', { group_id: group.id, permission: 'demo.run', quota: { concurrent: 2 } });
      const caller = await user({ groups: [group.id as string] });

      const responses = await executeAll(5, caller.auth, long);
      expect(statuses(responses)).toEqual([202, 202, 429, 429, 429]);
      const refused = responses.find((response) => response.status === 429)!;
      expect(refused.body.message).toBe(
        `quota exceeded: grant ${grant.id} of demo.run (group:${groupName}) allows 2 concurrent executions`,
      );
      expect(refused.headers['retry-after']).toBeUndefined();

      // Cancelling one frees its slot once it has ended.
      const [running, other] = responses
        .filter((response) => response.status === 202)
        .map((response) => response.body.execution_id as string);
      await api(1).post(`/api/v1/executions/${running}/cancel`).set('Authorization', caller.auth).expect(202);
      await waitFor(caller.auth, running, 'cancelled');
      const next = await execute(0, caller.auth, long).expect(202);
      expect((await execute(1, caller.auth, long)).status).toBe(429);

      // An execution that finishes frees its slot too: end the long ones, then a short one runs and ends.
      for (const id of [other, next.body.execution_id as string]) {
        await api(0).post(`/api/v1/executions/${id}/cancel`).set('Authorization', caller.auth).expect(202);
        await waitFor(caller.auth, id, 'cancelled');
      }
      const short = await Promise.all([execute(0, caller.auth), execute(1, caller.auth)]);
      expect(statuses(short)).toEqual([202, 202]);
      for (const response of short) await waitFor(caller.auth, response.body.execution_id as string, 'completed');
      expect(statuses(await executeAll(3, caller.auth, long))).toEqual([202, 202, 429]);
    });

    it('limits a token, and /me shows its quota and what is left', async () => {
      const caller = await user({ permissions: ['demo.run'], quota: { per_hour: 10, concurrent: 1 } });
      expect(caller.token.quota).toEqual({ per_hour: 10, concurrent: 1 });
      const before = await api(0).get('/api/v1/me').set('Authorization', caller.auth).expect(200);
      expect(before.body.token).toMatchObject({ quota: { per_hour: 10, concurrent: 1 }, quota_left: { per_hour: 10, concurrent: 1 } });

      const first = await execute(1, caller.auth, long).expect(202);
      const refused = await execute(0, caller.auth, long);
      expect({ status: refused.status, message: refused.body.message }).toEqual({
        status: 429,
        message: 'quota exceeded: token "ci" allows 1 concurrent execution',
      });
      const during = await api(1).get('/api/v1/me').set('Authorization', caller.auth).expect(200);
      expect(during.body.token.quota_left).toEqual({ per_hour: 9, concurrent: 0 });

      await api(0).post(`/api/v1/executions/${first.body.execution_id}/cancel`).set('Authorization', caller.auth).expect(202);
      await waitFor(caller.auth, first.body.execution_id as string, 'cancelled');
      const after = await api(0).get('/api/v1/me').set('Authorization', caller.auth).expect(200);
      expect(after.body.token.quota_left).toEqual({ per_hour: 9, concurrent: 1 });

      const unlimited = await user({ permissions: ['demo.run'] });
      const me = await api(1).get('/api/v1/me').set('Authorization', unlimited.auth).expect(200);
      expect(me.body.token).toMatchObject({ quota: null, quota_left: null });
    });
  });

  describe('the ledger', () => {
    it('counts an execution awaiting approval as concurrent', async () => {
      const approvers = await adminPost('/groups', { name: uniqueName('quota-approvers') });
      const caller = await user();
      await adminPost('/grants', {
        principal_id: caller.id,
        permission: 'demo.run',
        approval: { group: approvers.name },
        quota: { concurrent: 1 },
      });
      const waiting = await execute(0, caller.auth).expect(202);
      expect(waiting.body.status).toBe('awaiting_approval');
      expect((await execute(1, caller.auth)).body.message).toMatch(/allows 1 concurrent execution$/);
    });

    it('prunes claims the database does not back: a lost release never blocks for good, a claim in flight still counts', async () => {
      const caller = await user({ permissions: ['demo.run'], quota: { concurrent: 1 } });
      const redis = new IORedis(env.REDIS_URL);
      const key = `${env.QUEUE_PREFIX}:quota:token:${caller.token.id}:active`;
      try {
        // A request that claimed a slot two minutes ago and died before writing its record.
        await redis.zadd(key, Date.now() - 120_000, randomUUID());
        const first = await execute(0, caller.auth).expect(202);
        await waitFor(caller.auth, first.body.execution_id as string, 'completed');
        // One that claimed a moment ago may still be writing its record: it holds its slot.
        await redis.zadd(key, Date.now(), randomUUID());
        expect((await execute(1, caller.auth)).status).toBe(429);
      } finally {
        redis.disconnect();
      }
    });
  });

  describe('setting quotas', () => {
    const problems: Array<[unknown, string]> = [
      [{ per_hour: 0 }, 'quota.per_hour must be a whole number from 1 to 1000000'],
      [{ per_hour: -5 }, 'quota.per_hour must be a whole number from 1 to 1000000'],
      [{ concurrent: 1.5 }, 'quota.concurrent must be a whole number from 1 to 1000000'],
      [{ daily: 3 }, 'quota.daily is not known (per_hour, concurrent)'],
      ['10', 'quota must be a JSON object such as {"per_hour": 100, "concurrent": 5}'],
    ];

    it('refuses an invalid token or grant quota through the admin API (400 naming the problem)', async () => {
      const principal = await adminPost('/principals', { name: uniqueName('quota-bad') });
      for (const [quota, problem] of problems) {
        const token = await adminPost(`/principals/${principal.id}/tokens`, { name: 'x', quota }, 400);
        expect(token.message).toContain(problem);
        const grant = await adminPost('/grants', { principal_id: principal.id, permission: 'demo.run', quota }, 400);
        expect(grant.message).toContain(problem);
      }
      const tokens = await http[1].get(`/api/v1/admin/principals/${principal.id}/tokens`).set('Authorization', adminAuth).expect(200);
      expect(tokens.body).toEqual([]);
      // An empty quota is none.
      const none = await adminPost(`/principals/${principal.id}/tokens`, { name: 'x', quota: {} });
      expect(none.token.quota).toBeNull();
    });

    it('sets and refuses quotas from the CLI', () => {
      const name = uniqueName('quota-cli');
      expect(runCli(env, 'principal:create', name).status).toBe(0);
      const created = runCli(env, 'token:create', name, '--quota-per-hour', '5', '--quota-concurrent', '2');
      expect(created.status).toBe(0);
      expect(created.stderr).toContain('quota {"per_hour":5,"concurrent":2}');
      for (const [flag, value, problem] of [
        ['--quota-per-hour', '0', 'quota.per_hour must be a whole number from 1 to 1000000'],
        ['--quota-concurrent', '-1', 'quota.concurrent must be a whole number from 1 to 1000000'],
        ['--quota-per-hour', '2.5', 'quota.per_hour must be a whole number from 1 to 1000000'],
      ]) {
        const token = runCli(env, 'token:create', name, flag, value);
        expect({ status: token.status, stdout: token.stdout }).toEqual({ status: 1, stdout: '' });
        expect(token.stderr).toContain(problem);
        const grant = runCli(env, 'grant', name, 'demo.run', flag, value);
        expect(grant.status).toBe(1);
        expect(grant.stderr).toContain(problem);
      }
    });
  });
});
