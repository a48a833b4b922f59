import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { PrincipalsService } from '../src/auth/principals.service';
import { ExecutionVote } from '../src/approvals/execution-vote.entity';
import { AuditEvent } from '../src/audit/audit-event.entity';
import { ExecutionWebhooks } from '../src/executions/execution-webhooks';
import { ExecutionQueues } from '../src/queue/execution-queues';
import { createCaller, dataSource, insertExecution, TestCaller, uniqueName } from './support/factories';
import { freePort, runCli, startGateway } from './support/processes';
import type { ManagedProcess } from './support/managed-process';
import { createTestApp, TestApp } from './support/test-app';
import { testEnv } from './support/test-config';
import { pollUntil, waitForExecution } from './support/wait-for';
import { signatureIsValid, WebhookReceiver } from './support/webhook-receiver';

const API = '/api/v1';
const SECRET = 'whsec-approvals-0123456789abcdef';
const POLL = { timeoutMs: 15_000, intervalMs: 25 };

/** SPEC 7.11: approval as the outcome of a grant. */
describe('approvals (e2e)', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let admin: TestCaller;
  let group: string;
  let otherGroup: string;
  /** Holds demo.run only through approval by `group`, quorum 2. */
  let requester: TestCaller;
  let approver1: TestCaller;
  let approver2: TestCaller;
  let approver3: TestCaller;
  /** Holds demo.run outright, in no approval group. */
  let outsider: TestCaller;

  beforeAll(async () => {
    receiver = await new WebhookReceiver().start();
    // The timeout sweep every 200 ms, so the timeout spec waits little for it.
    t = await createTestApp({
      env: { WEBHOOK_SECRET: SECRET, WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_BACKOFF_MS: '100', APPROVAL_SWEEP_MS: '200' },
    });
    const principals = t.app.get(PrincipalsService);
    group = uniqueName('approvers');
    otherGroup = uniqueName('finance');
    await principals.createGroup(group);
    await principals.createGroup(otherGroup);
    admin = await createCaller(t.app, { isAdmin: true });
    approver1 = await createCaller(t.app, { name: uniqueName('ann'), groups: [group] });
    approver2 = await createCaller(t.app, { name: uniqueName('ben'), groups: [group, otherGroup] });
    approver3 = await createCaller(t.app, { name: uniqueName('cat'), groups: [group] });
    outsider = await createCaller(t.app, { permissions: ['demo.run'], groups: [otherGroup] });
    requester = await approvalHolder({ group, quorum: 2 });
  });

  afterAll(async () => {
    await t.close();
    await receiver.stop();
  });

  /** A principal (in `group` too, so it could approve others) holding demo.run only through approval. */
  async function approvalHolder(approval: Record<string, unknown>, groups = [group]): Promise<TestCaller> {
    const holder = await createCaller(t.app, { groups });
    await t
      .http()
      .post(`${API}/admin/grants`)
      .set('Authorization', admin.auth)
      .send({ principal_id: holder.principal.id, permission: 'demo.run', approval })
      .expect(201);
    return holder;
  }

  const execute = (caller: TestCaller, body: object = {}) =>
    t
      .http()
      .post(`${API}/tasks/execute`)
      .set('Authorization', caller.auth)
      .send({ task_name: 'demo.add', kwargs: { a: 2, b: 3 }, ...body });
  const awaiting = async (caller: TestCaller = requester, body: object = {}): Promise<string> => {
    const accepted = await execute(caller, body).expect(202);
    expect(accepted.body.status).toBe('awaiting_approval');
    return accepted.body.execution_id as string;
  };
  const vote = (caller: TestCaller, id: string, decision: 'approve' | 'reject', body: object = {}) =>
    t.http().post(`${API}/executions/${id}/${decision}`).set('Authorization', caller.auth).send(body);
  const get = (caller: TestCaller, id: string) => t.http().get(`${API}/executions/${id}`).set('Authorization', caller.auth);
  const approvalsOf = async (caller: TestCaller): Promise<string[]> => {
    const { body } = await t.http().get(`${API}/approvals`).set('Authorization', caller.auth).expect(200);
    return (body.items as Array<{ id: string }>).map((item) => item.id);
  };
  const jobState = async (id: string) => (await t.app.get(ExecutionQueues).states('default', [id]))[0];
  const auditOf = (id: string) =>
    dataSource(t.app)
      .getRepository(AuditEvent)
      .find({ where: { targetId: id }, order: { occurredAt: 'ASC' } });

  it('explains a request that needs approval as `approval`', async () => {
    const { body } = await t
      .http()
      .post(`${API}/tasks/explain`)
      .set('Authorization', requester.auth)
      .send({ task_name: 'demo.add', kwargs: { a: 1, b: 1 } })
      .expect(200);
    expect(body.outcome).toBe('approval');
    expect(body.permissions[0]).toMatchObject({ permission: 'demo.run', outcome: 'approval', via: 'direct' });
  });

  it('waits, unqueued, until the quorum of distinct approvers is reached; then it runs', async () => {
    const id = await awaiting();
    const before = (await get(requester, id).expect(200)).body;
    expect(before).toMatchObject({ status: 'awaiting_approval', approvals: [], approval_required: [{ group, quorum: 2 }] });
    expect(new Date(before.approval_deadline).getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);
    expect(await jobState(id)).toBe('unknown');

    const first = await vote(approver1, id, 'approve', { comment: 'looks right' }).expect(200);
    expect(first.body).toMatchObject({
      status: 'awaiting_approval',
      approvals: [{ principal_id: approver1.principal.id, name: approver1.principal.name, decision: 'approve', comment: 'looks right' }],
    });
    expect(Object.keys(first.body.approvals[0]).sort()).toEqual(['at', 'comment', 'decision', 'name', 'principal_id']);
    expect(await jobState(id)).toBe('unknown');

    const second = await vote(approver2, id, 'approve').expect(200);
    expect(['pending', 'running', 'completed']).toContain(second.body.status);
    const done = await waitForExecution(t, requester.auth, id);
    expect(done).toMatchObject({ status: 'completed', result: 5 });
    expect(done.approvals.map((entry: { name: string }) => entry.name)).toEqual([approver1.principal.name, approver2.principal.name]);

    // Over: a vote now is a conflict.
    await vote(approver3, id, 'approve').expect(409);
    const actions = (await auditOf(id)).map((row) => `${row.action}:${row.actorName}`);
    expect(actions).toEqual(
      expect.arrayContaining([`execution.approve:${approver1.principal.name}`, `execution.approve:${approver2.principal.name}`]),
    );
  });

  it('refuses self-approval and a second vote (403), and a non-approver sees nothing (404)', async () => {
    const id = await awaiting();
    expect((await vote(requester, id, 'approve').expect(403)).body.message).toMatch(/requested/);
    await vote(approver1, id, 'approve').expect(200);
    expect((await vote(approver1, id, 'approve').expect(403)).body.message).toMatch(/already voted/);
    await vote(approver1, id, 'reject').expect(403);
    await vote(outsider, id, 'approve').expect(404);
    await vote(outsider, id, 'reject').expect(404);
    await get(outsider, id).expect(404);
    // An admin reads everything but approves only as a member of the group.
    await vote(admin, id, 'approve').expect(403);
    expect((await get(requester, id).expect(200)).body.status).toBe('awaiting_approval');
  });

  it('settles concurrent votes one at a time: one approver twice at once votes once; the quorum is reached once', async () => {
    const id = await awaiting();
    const twice = await Promise.all([vote(approver1, id, 'approve'), vote(approver1, id, 'approve')]);
    expect(twice.map((answer) => answer.status).sort()).toEqual([200, 403]);
    expect((await get(requester, id).expect(200)).body.approvals).toHaveLength(1);

    const raced = await awaiting();
    const three = await Promise.all([approver1, approver2, approver3].map((approver) => vote(approver, raced, 'approve')));
    expect(three.map((answer) => answer.status).sort()).toEqual([200, 200, 409]);
    const done = await waitForExecution(t, requester.auth, raced);
    expect(done).toMatchObject({ status: 'completed', result: 5 });
    expect(done.approvals).toHaveLength(2);
    const votes = await dataSource(t.app).getRepository(ExecutionVote).countBy({ executionId: raced });
    expect(votes).toBe(2);
    expect((await auditOf(raced)).filter((row) => row.action === 'execution.approve')).toHaveLength(2);
  });

  it('lets approvers read it, never cancel, retry or delete it', async () => {
    const id = await awaiting();
    expect((await get(approver3, id).expect(200)).body.id).toBe(id);
    await t.http().post(`${API}/executions/${id}/cancel`).set('Authorization', approver3.auth).expect(403);
    await t.http().delete(`${API}/executions/${id}`).set('Authorization', approver3.auth).expect(403);
    // Not in their own list of executions, nor counted as theirs.
    const list = await t.http().get(`${API}/executions`).set('Authorization', approver3.auth).expect(200);
    expect(list.body.items.map((item: { id: string }) => item.id)).not.toContain(id);
  });

  it('ends cancelled at the first rejection, saying who rejected it and why; every vote audited', async () => {
    const id = await awaiting();
    await vote(approver1, id, 'approve').expect(200);
    const rejected = await vote(approver2, id, 'reject', { comment: 'not during the freeze' }).expect(200);
    expect(rejected.body).toMatchObject({
      status: 'cancelled',
      message: `rejected by ${approver2.principal.name}: not during the freeze`,
      is_complete: true,
    });
    expect(rejected.body.completed_at).not.toBeNull();
    expect(rejected.body.approvals.map((entry: { decision: string }) => entry.decision)).toEqual(['approve', 'reject']);
    expect(await jobState(id)).toBe('unknown');
    await vote(approver3, id, 'approve').expect(409);
    const rows = await auditOf(id);
    expect(rows.map((row) => row.action)).toEqual(['execution.execute', 'execution.approve', 'execution.reject']);
    expect(rows[2].details).toMatchObject({ comment: 'not during the freeze', status: 'cancelled' });
  });

  it('validates the comment: a string of at most 1000 characters, nothing else in the body', async () => {
    const id = await awaiting();
    await vote(approver1, id, 'approve', { comment: 'x'.repeat(1001) }).expect(400);
    await vote(approver1, id, 'approve', { comment: 5 }).expect(400);
    await vote(approver1, id, 'approve', { reason: 'unknown field' }).expect(400);
    await vote(approver1, id, 'approve', { comment: 'x'.repeat(1000) }).expect(200);
  });

  it('lists in GET /approvals what awaits the caller’s vote: not its own, not those it voted on, oldest first', async () => {
    const older = await awaiting();
    const newer = await awaiting();
    const mine = await awaiting(await approvalHolder({ group }, []), {});
    const forApprover1 = await approvalsOf(approver1);
    expect(forApprover1.indexOf(older)).toBeGreaterThanOrEqual(0);
    expect(forApprover1.indexOf(older)).toBeLessThan(forApprover1.indexOf(newer));
    expect(forApprover1).toContain(mine);
    expect(await approvalsOf(requester)).not.toContain(older); // its own, though it is in the group
    expect(await approvalsOf(outsider)).toEqual([]);
    expect(await approvalsOf(admin)).toEqual([]);

    await vote(approver1, older, 'approve').expect(200);
    expect(await approvalsOf(approver1)).not.toContain(older);
    expect(await approvalsOf(approver2)).toContain(older);

    const page = await t.http().get(`${API}/approvals?limit=1`).set('Authorization', approver2.auth).expect(200);
    expect(page.body.items).toHaveLength(1);
    expect(page.body.next_cursor).toEqual(expect.any(String));
    const next = await t
      .http()
      .get(`${API}/approvals?limit=1&cursor=${encodeURIComponent(page.body.next_cursor as string)}`)
      .set('Authorization', approver2.auth)
      .expect(200);
    expect(next.body.items[0].id).not.toBe(page.body.items[0].id);
  });

  it('counts an execution awaiting approval as pending; the list filters on awaiting_approval', async () => {
    const holder = await approvalHolder({ group });
    const id = await awaiting(holder);
    const counts = await t.http().get(`${API}/executions/statistics`).set('Authorization', holder.auth).expect(200);
    expect(counts.body).toEqual({ total: 1, pending: 1, running: 0, completed: 0, failed: 0, cancelled: 0, timeout: 0 });
    const perTask = await t.http().get(`${API}/executions/statistics?group_by=task`).set('Authorization', holder.auth).expect(200);
    expect(perTask.body.tasks).toEqual([expect.objectContaining({ task_name: 'demo.add', total: 1, pending: 1 })]);
    const listed = await t.http().get(`${API}/executions?status=awaiting_approval`).set('Authorization', holder.auth).expect(200);
    expect(listed.body.items.map((item: { id: string }) => item.id)).toEqual([id]);
  });

  it('lets its owner cancel it, alone or in bulk; a vote then is a conflict', async () => {
    const holder = await approvalHolder({ group });
    const id = await awaiting(holder);
    const cancelled = await t.http().post(`${API}/executions/${id}/cancel`).set('Authorization', holder.auth).expect(202);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', is_complete: true });
    await vote(approver1, id, 'approve').expect(409);

    const second = await awaiting(holder);
    const bulk = await t
      .http()
      .post(`${API}/executions/cancel`)
      .set('Authorization', holder.auth)
      .send({ filter: { status: 'awaiting_approval' } })
      .expect(200);
    expect(bulk.body).toMatchObject({ matched: 1, affected: 1, execution_ids: [second] });
    expect((await get(holder, second).expect(200)).body.status).toBe('cancelled');
  });

  it('takes its approvers from the grant’s group only', async () => {
    // approver2 is in both groups, the outsider in the finance group only, approver1 in the other one.
    const holder = await approvalHolder({ group: otherGroup, quorum: 2 });
    const id = await awaiting(holder);
    await vote(approver1, id, 'approve').expect(404); // not in otherGroup: not an approver of it
    await vote(approver2, id, 'approve').expect(200);
    const done = await vote(outsider, id, 'approve').expect(200);
    expect(done.body.status).not.toBe('awaiting_approval');
    await waitForExecution(t, holder.auth, id);
  });

  it('POSTs the signed execution.awaiting_approval webhook when it starts waiting, then execution.finished when it ends', async () => {
    const path = '/approvals-hook';
    const id = await awaiting(requester, { callback_url: receiver.url(path) });
    const [hook] = await pollUntil(
      () => receiver.to(path),
      (hooks) => hooks.length >= 1,
      POLL,
    );
    expect(hook.headers['x-taskgate-event']).toBe('execution.awaiting_approval');
    expect(signatureIsValid(SECRET, hook.headers['x-taskgate-signature'] as string, hook.body).valid).toBe(true);
    expect(JSON.parse(hook.body)).toMatchObject({ event: 'execution.awaiting_approval', execution: { id, status: 'awaiting_approval' } });

    await vote(approver1, id, 'reject').expect(200);
    const hooks = await pollUntil(
      () => receiver.to(path),
      (received) => received.length >= 2,
      POLL,
    );
    expect(JSON.parse(hooks[1].body)).toMatchObject({ event: 'execution.finished', execution: { id, status: 'cancelled' } });
    const deliveries = await pollUntil(
      async () =>
        (await t.http().get(`${API}/executions/${id}/deliveries`).set('Authorization', requester.auth)).body as Array<{ event: string }>,
      (log) => log.length >= 2,
      POLL,
    );
    expect(deliveries.map((entry) => entry.event).sort()).toEqual(['execution.awaiting_approval', 'execution.finished']);
  });

  it('has the reconciler enqueue an execution.awaiting_approval webhook that was never enqueued', async () => {
    const path = '/lost-awaiting-hook';
    const createdAt = new Date();
    // Written as the intake writes it, with no delivery enqueued: as if the process died right after the commit.
    const lost = await insertExecution(t.app, requester.principal.id, {
      status: 'awaiting_approval',
      attempts: 0,
      callbackUrl: receiver.url(path),
      approval: { requirements: [{ permission: 'demo.run', grant_id: randomUUID(), group, quorum: 1 }], votes: [] },
      approvalDeadline: new Date(createdAt.getTime() + 3600_000),
      createdAt,
    });
    const webhooks = t.app.get(ExecutionWebhooks);
    expect(await webhooks.enqueueLost(new Date(), new Date(createdAt.getTime() - 1))).toBe(1);
    const [hook] = await pollUntil(
      () => receiver.to(path),
      (hooks) => hooks.length >= 1,
      POLL,
    );
    expect(JSON.parse(hook.body)).toMatchObject({ event: 'execution.awaiting_approval', execution: { id: lost.id } });
    // Enqueued once: the job (then the logged attempt) is seen by the next round.
    expect(await webhooks.enqueueLost(new Date(), new Date(createdAt.getTime() - 1))).toBe(0);
  });

  it('cancels it when the timeout passes; a vote after the deadline is a conflict even before the sweep', async () => {
    const holder = await approvalHolder({ group, timeout: '1s' });
    const id = await awaiting(holder);
    const { body } = await get(holder, id).expect(200);
    const deadline = new Date(body.approval_deadline as string).getTime();
    await pollUntil(
      () => Date.now(),
      (now) => now > deadline,
      POLL,
    );
    await vote(approver1, id, 'approve').expect(409);
    const ended = await waitForExecution(t, holder.auth, id);
    expect(ended).toMatchObject({ status: 'cancelled', message: 'approval timed out after 1s' });
    expect((await auditOf(id)).map((row) => row.action)).toContain('execution.approval_timeout');
  });
});

/** The deadline is on the record: it holds across a restart of every process. */
describe('approval timeout across restarts (e2e)', () => {
  const running: ManagedProcess[] = [];

  afterEach(async () => {
    await Promise.all(running.splice(0).map((child) => child.stop()));
  });

  async function start(env: Record<string, string>, port: number): Promise<void> {
    const api = startGateway({ ...env, ROLE: 'api', PORT: String(port) });
    const worker = startGateway({ ...env, ROLE: 'worker', PORT: String(await freePort()) });
    running.push(api, worker);
    await api.waitForOutput(/listening on/);
  }

  it('cancels an execution whose deadline passed while every process was down, at the next start-up', async () => {
    // Only the start-up sweep may do it: the periodic one is an hour away.
    const env = testEnv({ LOG_FILE: '', LOG_LEVEL: 'info', APPROVAL_SWEEP_MS: '3600000' });
    expect(runCli(env, 'migrate').status).toBe(0);
    const approvers = uniqueName('approvers');
    const requester = uniqueName('requester');
    expect(runCli(env, 'group:create', approvers).status).toBe(0);
    expect(runCli(env, 'principal:create', requester).status).toBe(0);
    const granted = runCli(env, 'grant', requester, 'demo.run', '--approval-group', approvers, '--approval-timeout', '2s');
    expect(granted.status).toBe(0);
    const token = runCli(env, 'token:create', requester).stdout.trim();
    const port = await freePort();
    const http = () => request(`http://127.0.0.1:${port}`);

    await start(env, port);
    const accepted = await http()
      .post('/api/v1/tasks/execute')
      .set('Authorization', `Bearer ${token}`)
      .send({ task_name: 'demo.add', kwargs: { a: 1, b: 1 } })
      .expect(202);
    expect(accepted.body.status).toBe('awaiting_approval');
    const id = accepted.body.execution_id as string;
    const { body } = await http().get(`/api/v1/executions/${id}`).set('Authorization', `Bearer ${token}`).expect(200);
    const deadline = new Date(body.approval_deadline as string).getTime();

    await Promise.all(running.splice(0).map((child) => child.stop()));
    await pollUntil(
      () => Date.now(),
      (now) => now > deadline + 100,
      { timeoutMs: 10_000, intervalMs: 50 },
    );

    await start(env, port);
    const ended = await pollUntil(
      async () => (await http().get(`/api/v1/executions/${id}`).set('Authorization', `Bearer ${token}`)).body as Record<string, unknown>,
      (record) => record.status === 'cancelled',
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(ended).toMatchObject({ status: 'cancelled', message: 'approval timed out after 2s', is_complete: true });
  }, 120_000);
});
