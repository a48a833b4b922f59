import { PrincipalsService } from '../src/auth/principals.service';
import { Execution } from '../src/executions/execution.entity';
import { createCaller, dataSource, TestCaller, uniqueName } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';

/**
 * An execution awaiting approval (SPEC 7.11) leaves that status only through its approvers' votes,
 * its timeout or its owner's cancel: none of the owner's other routes moves it on. Runs on SQLite
 * and PostgreSQL.
 */
describe('an execution awaiting approval cannot be moved on around the vote (e2e)', () => {
  let t: TestApp;
  let owner: TestCaller;
  let id: string;

  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_EXECUTE: '0' } });
    const admin = await createCaller(t.app, { isAdmin: true });
    const group = uniqueName('approvers');
    await t.app.get(PrincipalsService).createGroup(group);
    // The owner may report progress on its own executions (executions.update), and needs approval to run demo.add.
    owner = await createCaller(t.app, { permissions: ['executions.update'] });
    await t
      .http()
      .post('/api/v1/admin/grants')
      .set('Authorization', admin.auth)
      .send({ principal_id: owner.principal.id, permission: 'demo.run', approval: { group } })
      .expect(201);
    const accepted = await t
      .http()
      .post('/api/v1/tasks/execute')
      .set('Authorization', owner.auth)
      .send({ task_name: 'demo.add', kwargs: { a: 1, b: 2 } })
      .expect(202);
    expect(accepted.body.status).toBe('awaiting_approval');
    id = accepted.body.execution_id;
  });

  afterAll(() => t?.close());

  const statusNow = async () => (await dataSource(t.app).getRepository(Execution).findOneByOrFail({ id })).status;

  it.each([{ status: 'pending' }, { status: 'running' }, { status: 'completed' }, { progress: 50 }])(
    'refuses PATCH %j with 409 and leaves it awaiting',
    async (patch) => {
      const answer = await t.http().patch(`/api/v1/executions/${id}`).set('Authorization', owner.auth).send(patch).expect(409);
      expect(answer.body.message).toContain('awaiting approval');
      expect(await statusNow()).toBe('awaiting_approval');
    },
  );

  it('refuses retry and delete with 409', async () => {
    await t.http().post(`/api/v1/executions/${id}/retry`).set('Authorization', owner.auth).expect(409);
    await t.http().delete(`/api/v1/executions/${id}`).set('Authorization', owner.auth).expect(409);
    expect(await statusNow()).toBe('awaiting_approval');
  });
});
