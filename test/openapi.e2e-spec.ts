import SwaggerParser from '@apidevtools/swagger-parser';
import { FixtureTasksModule } from './support/fixture-tasks';
import { createTestApp, TestApp } from './support/test-app';
import { createCaller } from './support/factories';
import { TaskRegistry } from '../src/task-registry/task-registry';

describe('OpenAPI document and Swagger UI (e2e)', () => {
  let t: TestApp;
  let document: Record<string, any>;

  beforeAll(async () => {
    t = await createTestApp({ taskModules: [FixtureTasksModule] });
    document = (await t.http().get('/api/docs-json').expect(200)).body;
  });

  afterAll(() => t.close());

  it('is a valid OpenAPI 3 document (checked by a validator library)', async () => {
    expect(document.openapi).toMatch(/^3\./);
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
  });

  it('lists every endpoint with responses, errors included, and declares bearer auth', () => {
    const routes = [
      ['post', '/api/v1/tasks/execute'],
      ['post', '/api/v1/tasks/execute-batch'],
      ['post', '/api/v1/tasks/{task_name}/upload'],
      ['get', '/api/v1/tasks/available'],
      ['get', '/api/v1/executions'],
      ['get', '/api/v1/executions/statistics'],
      ['get', '/api/v1/executions/latest'],
      ['get', '/api/v1/executions/{id}'],
      ['get', '/api/v1/executions/{id}/events'],
      ['post', '/api/v1/executions/{id}/cancel'],
      ['post', '/api/v1/executions/{id}/retry'],
      ['delete', '/api/v1/executions/{id}'],
      ['patch', '/api/v1/executions/{id}'],
      ['get', '/api/v1/me'],
      ['get', '/health/live'],
      ['get', '/health/ready'],
      ['get', '/metrics'],
      ['get', '/api/v1/tasks/catalog'],
      ['get', '/api/v1/admin/principals'],
      ['post', '/api/v1/admin/principals'],
      ['patch', '/api/v1/admin/principals/{id}'],
      ['get', '/api/v1/admin/principals/{id}/tokens'],
      ['post', '/api/v1/admin/principals/{id}/tokens'],
      ['post', '/api/v1/admin/tokens/{id}/revoke'],
      ['get', '/api/v1/admin/groups'],
      ['post', '/api/v1/admin/groups'],
      ['delete', '/api/v1/admin/groups/{id}'],
      ['put', '/api/v1/admin/groups/{id}/members/{principal_id}'],
      ['delete', '/api/v1/admin/groups/{id}/members/{principal_id}'],
      ['get', '/api/v1/admin/permissions'],
      ['get', '/api/v1/admin/grants'],
      ['post', '/api/v1/admin/grants'],
      ['delete', '/api/v1/admin/grants/{id}'],
      ['get', '/api/v1/admin/audit'],
      ['get', '/api/v1/admin/overview'],
    ];
    for (const [method, path] of routes) {
      const operation = document.paths[path]?.[method];
      expect({ path, method, documented: Boolean(operation) }).toEqual({ path, method, documented: true });
      expect(Object.keys(operation.responses).length).toBeGreaterThan(0);
    }
    expect(document.paths['/api/v1/tasks/execute'].post.responses['403'].content['application/json'].schema.$ref).toBe(
      '#/components/schemas/ErrorBody',
    );
    expect(document.paths['/api/v1/tasks/execute'].post.requestBody.content['application/json'].schema.$ref).toBe(
      '#/components/schemas/ExecuteTaskDto',
    );
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(document.paths['/api/v1/me'].get.security).toEqual([{ bearer: [] }]);
    expect(document.paths['/api/v1/admin/principals'].get.responses['403'].content['application/json'].schema.$ref).toBe(
      '#/components/schemas/ErrorBody',
    );
    expect(document.paths['/health/live'].get.security).toBeUndefined();
  });

  it('includes every registered task’s kwargs schema, linked from /tasks/available', async () => {
    for (const task of t.app.get(TaskRegistry).all()) {
      expect(document.components.schemas[`TaskKwargs.${task.name}`]).toBeDefined();
    }
    expect(document.components.schemas['TaskKwargs.demo.add']).toMatchObject({
      type: 'object',
      required: ['a', 'b'],
      properties: { a: { type: 'number' } },
    });
    const admin = await createCaller(t.app, { isAdmin: true });
    const available = (await t.http().get('/api/v1/tasks/available').set('Authorization', admin.auth).expect(200)).body;
    const add = available.find((task: { task_name: string }) => task.task_name === 'demo.add');
    expect(add.kwargs_schema_ref).toBe('/api/docs-json#/components/schemas/TaskKwargs.demo.add');
    expect(add.kwargs_schema).toEqual(expect.objectContaining({ required: ['a', 'b'] }));
  });

  it('serves Swagger UI without a token and with no network needed', async () => {
    const page = await t.http().get('/api/docs').redirects(1).expect(200);
    expect(page.text).toMatch(/swagger-ui/i);
    expect(page.text).not.toMatch(/https?:\/\/(?!localhost)[a-z0-9.-]+\/[^"']*\.(js|css)/i);
  });
});
