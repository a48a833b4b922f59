import { Execution } from '../src/executions/execution.entity';
import { addToken, createCaller, dataSource, TestCaller } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';
import { waitForExecution } from './support/wait-for';

const API = '/api/v1';
const RESOURCE = `scoped-${Date.now()}`;

/** A scoped token governs only the executions of tasks its scopes would let it start (issue 14.5). */
describe('scoped tokens and the executions they may manage (e2e)', () => {
  let t: TestApp;
  let owner: TestCaller;
  let inScope: TestCaller;
  let outOfScope: TestCaller;
  let executionId: string;

  beforeAll(async () => {
    t = await createTestApp({ env: { ROLE: 'all', RATE_LIMIT_EXECUTE: '0' } });
    owner = await createCaller(t.app, { permissions: ['demo.run', 'demo.files', 'executions.update'] });
    inScope = await addToken(t.app, owner, ['demo.run', 'executions.update']);
    outOfScope = await addToken(t.app, owner, ['demo.files', 'executions.update']);
    const accepted = await t
      .http()
      .post(`${API}/tasks/execute`)
      .set('Authorization', owner.auth)
      .send({ task_name: 'demo.add', kwargs: { a: 1, b: 2 }, resource: RESOURCE })
      .expect(202);
    executionId = accepted.body.execution_id;
    await waitForExecution(t, owner.auth, executionId);
  });

  afterAll(() => t.close());

  const as = (caller: TestCaller) => ({
    get: (path: string) => t.http().get(`${API}${path}`).set('Authorization', caller.auth),
    post: (path: string, body: object = {}) => t.http().post(`${API}${path}`).set('Authorization', caller.auth).send(body),
    patch: (path: string, body: object) => t.http().patch(`${API}${path}`).set('Authorization', caller.auth).send(body),
    delete: (path: string) => t.http().delete(`${API}${path}`).set('Authorization', caller.auth),
  });

  it('treats its principal’s executions of other tasks as foreign: 404 everywhere, absent from lists and counts', async () => {
    const caller = as(outOfScope);
    await caller.get(`/executions/${executionId}`).expect(404);
    await caller.post(`/executions/${executionId}/cancel`).expect(404);
    await caller.post(`/executions/${executionId}/retry`).expect(404);
    await caller.patch(`/executions/${executionId}`, { progress: 5 }).expect(404);
    await caller.delete(`/executions/${executionId}`).expect(404);
    const list = await caller.get('/executions').expect(200);
    expect(list.body.items.map((item: { id: string }) => item.id)).not.toContain(executionId);
    await caller.get(`/executions/latest?resource=${RESOURCE}`).expect(404);
    const statistics = await caller.get('/executions/statistics').expect(200);
    expect(statistics.body.total).toBe(0);
    await expect(dataSource(t.app).getRepository(Execution).existsBy({ id: executionId })).resolves.toBe(true);
  });

  it('lets a token scoped to the task, and the unscoped token, see and manage it', async () => {
    await as(inScope).get(`/executions/${executionId}`).expect(200);
    await as(inScope).get(`/executions/latest?resource=${RESOURCE}`).expect(200);
    const list = await as(inScope).get('/executions').expect(200);
    expect(list.body.items.map((item: { id: string }) => item.id)).toContain(executionId);
    await as(owner).get(`/executions/${executionId}`).expect(200);
    // Visible, so the answers are about the execution itself: it has finished (409), it can go (204).
    await as(inScope).post(`/executions/${executionId}/cancel`).expect(409);
    await as(inScope).delete(`/executions/${executionId}`).expect(204);
  });
});
