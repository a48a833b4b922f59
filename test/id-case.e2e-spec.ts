import { createCaller, TestCaller } from './support/factories';
import { openWs } from './support/live-clients';
import { createTestApp, TestApp } from './support/test-app';
import { waitForExecution } from './support/wait-for';

const API = '/api/v1';

/** An id in upper case names the same thing as in lower case, on SQLite as on PostgreSQL. */
describe('ids in either case (e2e)', () => {
  let t: TestApp;
  let owner: TestCaller;
  let admin: TestCaller;
  let id: string;

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen(0, '127.0.0.1');
    owner = await createCaller(t.app, { permissions: ['demo.run'] });
    admin = await createCaller(t.app, { isAdmin: true });
    id = (
      await t
        .http()
        .post(`${API}/tasks/execute`)
        .set('Authorization', owner.auth)
        .send({ task_name: 'demo.fail', kwargs: { message: 'x' } })
        .expect(202)
    ).body.execution_id;
    await waitForExecution(t, owner.auth, id);
  });

  afterAll(() => t.close());

  it('answers path parameters, filters and WebSocket subscriptions in upper case as in lower case', async () => {
    const upper = id.toUpperCase();
    expect((await t.http().get(`${API}/executions/${upper}`).set('Authorization', owner.auth).expect(200)).body.id).toBe(id);
    const retry = await t.http().post(`${API}/executions/${upper}/retry`).set('Authorization', owner.auth).expect(202);
    const retries = await t.http().get(`${API}/executions?retried_from=${upper}`).set('Authorization', owner.auth).expect(200);
    expect(retries.body.items.map((item: { id: string }) => item.id)).toEqual([retry.body.execution_id]);
    const owned = await t
      .http()
      .get(`${API}/executions?owner=${owner.principal.id.toUpperCase()}`)
      .set('Authorization', admin.auth)
      .expect(200);
    expect(owned.body.items.map((item: { id: string }) => item.id)).toContain(id);
    const grants = await t
      .http()
      .get(`${API}/admin/grants?principal_id=${owner.principal.id.toUpperCase()}`)
      .set('Authorization', admin.auth)
      .expect(200);
    expect(grants.body.map((grant: { permission: string }) => grant.permission)).toEqual(['demo.run']);

    const port = (t.app.getHttpServer().address() as { port: number }).port;
    const client = await openWs(port, { header: owner.auth });
    client.send({ type: 'subscribe', execution_id: upper });
    expect(await client.waitFor((message) => message.type === 'task_update' || message.type === 'error')).toMatchObject({
      type: 'task_update',
      execution_id: id,
    });
    client.close();
  });
});
