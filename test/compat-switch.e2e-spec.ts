import { INestApplication } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { DataSource } from 'typeorm';
import WebSocket from 'ws';
import { createCaller, TestCaller } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';
import { testEnv } from './support/test-config';
import { loadAppConfig } from '../src/config/load-app-config';

/** One example call of each seed route (SPEC 8), with no id that could exist. */
const SEED_CALLS: Array<[method: 'get' | 'post' | 'patch' | 'delete', path: string]> = [
  ['post', '/api/tasks/execute/'],
  ['get', '/api/tasks/available/'],
  ['get', '/api/tasks/?status=SUCCESS&page=1'],
  ['get', '/api/tasks/550e8400-e29b-41d4-a716-446655440000/'],
  ['get', '/api/tasks/550e8400-e29b-41d4-a716-446655440000/status'],
  ['get', '/api/tasks/users/me?skip=0&limit=20'],
  ['get', '/api/tasks/learning-paths/456'],
  ['get', '/api/v1/tasks?status=completed&limit=5'],
  ['get', '/api/v1/tasks/statistics'],
  ['post', '/api/v1/tasks/upload'],
  ['get', '/api/v1/tasks/550e8400-e29b-41d4-a716-446655440000'],
  ['patch', '/api/v1/tasks/550e8400-e29b-41d4-a716-446655440000'],
  ['delete', '/api/v1/tasks/550e8400-e29b-41d4-a716-446655440000'],
  ['post', '/api/v1/tasks/550e8400-e29b-41d4-a716-446655440000/retry'],
];
const isV1 = (path: string) => path.startsWith('/api/v1/');

/** Whether a WebSocket upgrade to `path` is accepted (an unknown path is refused before any frame). */
function upgrades(port: number, path: string, secret: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers: { Authorization: `Bearer ${secret}` } });
    socket.on('open', () => {
      socket.close();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
    socket.on('unexpected-response', () => resolve(false));
  });
}

/** What a process runs on every request: the Express middleware (not the routes) and Nest's global enhancers. */
function requestPipeline(app: INestApplication): string[] {
  const stack = (app.getHttpAdapter().getInstance() as { router: { stack: Array<{ name: string; route?: unknown }> } }).router.stack;
  const middleware = stack.filter((layer) => !layer.route).map((layer) => `middleware ${layer.name}`);
  const container = (app as unknown as { container: { getModules(): Map<string, { providers: Map<unknown, { name?: unknown }> }> } })
    .container;
  const enhancers = [...container.getModules().values()].flatMap((module) =>
    [...module.providers.keys()]
      .filter((token) => typeof token === 'string' && [APP_GUARD, APP_INTERCEPTOR, APP_PIPE].some((kind) => token.startsWith(kind)))
      .map((token) => {
        const wrapper = module.providers.get(token) as { inject?: Array<{ name?: string }>; metatype?: { name?: string } } | undefined;
        const made = wrapper?.inject?.map((dependency) => dependency?.name).join(',') || wrapper?.metatype?.name;
        return `enhancer ${String(token).replace(/ \(UUID: \w+\)$/, '')} ${String(made)}`;
      }),
  );
  return [...middleware, ...enhancers.sort()];
}

/** Every statement TypeORM sends while `action` runs (on SQLite the hot writes use their own prepared statements). */
async function statementsDuring(app: INestApplication, action: () => Promise<unknown>): Promise<string[]> {
  const runner = app.get(DataSource).createQueryRunner();
  const prototype = Object.getPrototypeOf(runner) as { query: (...args: unknown[]) => Promise<unknown> };
  await runner.release();
  const spy = jest.spyOn(prototype, 'query');
  try {
    await action();
    return spy.mock.calls.map(([sql]) => String(sql).replace(/\s+/g, ' '));
  } finally {
    spy.mockRestore();
  }
}

describe('COMPAT: which seed APIs are served (e2e)', () => {
  const apps: TestApp[] = [];
  // One database and queue prefix for every app here: they differ only in COMPAT (and one in its rate limit).
  const shared = testEnv({ ROLE: 'api' });
  const start = async (env: Record<string, string>) => {
    const t = await createTestApp({ config: loadAppConfig({ ...shared, ...env }) });
    apps.push(t);
    await t.app.listen(0, '127.0.0.1');
    const caller = await createCaller(t.app, { permissions: ['demo.run', 'demo.files', 'executions.update'] });
    return { t, caller, port: (t.app.getHttpServer().address() as { port: number }).port };
  };
  let all: { t: TestApp; caller: TestCaller; port: number };
  let none: { t: TestApp; caller: TestCaller; port: number };

  beforeAll(async () => {
    all = await start({ COMPAT: 'all' });
    none = await start({ COMPAT: 'none' });
  });

  afterAll(async () => {
    for (const t of apps) await t.close();
  });

  const send = (t: TestApp, caller: TestCaller, [method, path]: (typeof SEED_CALLS)[number]) =>
    t.http()[method](path).set('Authorization', caller.auth);

  it('serves every seed route by default (COMPAT=all), and none of them with COMPAT=none, natives unchanged', async () => {
    for (const call of SEED_CALLS) {
      const served = await send(all.t, all.caller, call);
      const off = await send(none.t, none.caller, call);
      // Served: anything but Express's "Cannot GET" 404 (a missing id is the seed's own 404, with the API's error body).
      expect({ call, served: served.status === 404 ? served.body.message : 'answered' }).not.toEqual({
        call,
        served: expect.stringMatching(/^Cannot /),
      });
      expect({ call, status: off.status, message: off.body.message }).toEqual({
        call,
        status: 404,
        message: expect.stringMatching(/^Cannot /),
      });
    }
    for (const { t, caller } of [all, none]) {
      const available = await t.http().get('/api/v1/tasks/available').set('Authorization', caller.auth);
      expect({ app: t === all.t ? 'all' : 'none', status: available.status, body: available.body }).toEqual({
        app: expect.anything(),
        status: 200,
        body: expect.anything(),
      });
      await t
        .http()
        .post('/api/v1/tasks/execute')
        .set('Authorization', caller.auth)
        .send({ task_name: 'demo.add', kwargs: { a: 1, b: 2 } })
        .expect(202);
    }
    expect(await upgrades(all.port, '/api/v1/ws/tasks/client-1', all.caller.secret)).toBe(true);
    expect(await upgrades(none.port, '/api/v1/ws/tasks/client-1', none.caller.secret)).toBe(false);
    expect(await upgrades(none.port, '/api/v1/ws', none.caller.secret)).toBe(true);
  });

  it('serves one family alone when COMPAT names it', async () => {
    const only = await start({ COMPAT: 'api-tasks' });
    for (const call of SEED_CALLS) {
      const answer = await send(only.t, only.caller, call);
      const notServed = answer.status === 404 && /^Cannot /.test(String(answer.body.message));
      expect({ path: call[1], notServed }).toEqual({ path: call[1], notServed: isV1(call[1]) });
    }
    expect(await upgrades(only.port, '/api/v1/ws/tasks/client-1', only.caller.secret)).toBe(false);
  });

  it('adds nothing to what a native request runs: the same middleware, global enhancers and statements', async () => {
    expect(requestPipeline(all.t.app)).toEqual(requestPipeline(none.t.app));
    const nativeCalls = async ({ t, caller }: { t: TestApp; caller: TestCaller }) => {
      const accepted = await t
        .http()
        .post('/api/v1/tasks/execute')
        .set('Authorization', caller.auth)
        .send({ task_name: 'demo.add', kwargs: { a: 1, b: 2 } })
        .expect(202);
      await t.http().get(`/api/v1/executions/${accepted.body.execution_id}`).set('Authorization', caller.auth).expect(200);
      await t.http().get('/api/v1/executions?limit=5').set('Authorization', caller.auth).expect(200);
    };
    await nativeCalls(all); // warm both the same way (token caches, prepared statements)
    await nativeCalls(none);
    const [withSeeds, without] = [
      await statementsDuring(all.t.app, () => nativeCalls(all)),
      await statementsDuring(none.t.app, () => nativeCalls(none)),
    ];
    expect(without.length).toBeGreaterThan(0);
    expect(withSeeds).toEqual(without);
  });

  it('counts seed executions in the same per-token rate limit as native ones', async () => {
    const limited = await start({ RATE_LIMIT_EXECUTE: '3' });
    const { t, caller } = limited;
    await t
      .http()
      .post('/api/v1/tasks/execute')
      .set('Authorization', caller.auth)
      .send({ task_name: 'demo.add', kwargs: { a: 1, b: 2 } })
      .expect(202);
    await t
      .http()
      .post('/api/tasks/execute/')
      .set('Authorization', caller.auth)
      .send({ task_name: 'demo.add', kwargs: { a: 1, b: 2 } })
      .expect(202);
    await t.http().post('/api/v1/tasks/upload').set('Authorization', caller.auth).attach('file', Buffer.from('abc'), 'a.txt').expect(202);
    const refused = await t
      .http()
      .post('/api/tasks/execute/')
      .set('Authorization', caller.auth)
      .send({ task_name: 'demo.add', kwargs: { a: 1, b: 2 } });
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    await t
      .http()
      .post('/api/v1/tasks/execute')
      .set('Authorization', caller.auth)
      .send({ task_name: 'demo.add', kwargs: { a: 1, b: 2 } })
      .expect(429);
  });

  it('runs the seed upload on COMPAT_UPLOAD_TASK, which must name a registered task that takes a file', async () => {
    const config = (env: Record<string, string>) => loadAppConfig({ ...shared, ...env });
    await expect(createTestApp({ config: config({ COMPAT_UPLOAD_TASK: 'demo.add' }) })).rejects.toThrow(
      /^COMPAT_UPLOAD_TASK names "demo.add", which takes no file/,
    );
    await expect(createTestApp({ config: config({ COMPAT_UPLOAD_TASK: 'files.ingest' }) })).rejects.toThrow(
      /^COMPAT_UPLOAD_TASK names no registered task: "files.ingest"/,
    );
    await expect(
      createTestApp({ config: config({ COMPAT: 'api-tasks', COMPAT_UPLOAD_TASK: 'demo.add' }) }).then((t) => t.close()),
    ).resolves.toBeUndefined();
    // The default with the demo tasks off: the process starts, the seed upload answers 404 (unknown task).
    const bare = await start({ DEMO_TASKS: 'false' });
    const refused = await bare.t
      .http()
      .post('/api/v1/tasks/upload')
      .set('Authorization', bare.caller.auth)
      .attach('file', Buffer.from('abc'), 'a.txt');
    expect({ status: refused.status, message: refused.body.message }).toEqual({
      status: 404,
      message: expect.stringMatching(/demo\.checksum/),
    });
  });

  it('links DRF pages through a trusted proxy’s forwarded scheme and host, and ignores them from anyone else', async () => {
    const behindProxy = await start({ TRUST_PROXY: 'loopback' });
    for (let i = 0; i < 3; i++)
      await behindProxy.t
        .http()
        .post('/api/tasks/execute/')
        .set('Authorization', behindProxy.caller.auth)
        .send({ task_name: 'demo.add', kwargs: { a: 1, b: 2 } })
        .expect(202);
    const forwarded = { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'tasks.example.com' };
    const page = (app: { t: TestApp; caller: TestCaller }) =>
      app.t.http().get('/api/tasks/?page_size=1&page=2').set('Authorization', app.caller.auth).set(forwarded).expect(200);
    const trusted = (await page(behindProxy)).body;
    expect({ next: trusted.next, previous: trusted.previous }).toEqual({
      next: 'https://tasks.example.com/api/tasks/?page_size=1&page=3',
      previous: 'https://tasks.example.com/api/tasks/?page_size=1',
    });
    const direct = (await page(all)).body;
    expect(direct.previous).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/tasks\/\?page_size=1$/);
  });

  describe('the OpenAPI document', () => {
    let document: {
      paths: Record<string, Record<string, { tags?: string[] }>>;
      components: { schemas: Record<string, { properties?: object }> };
    };

    beforeAll(async () => {
      document = (await all.t.http().get('/api/docs-json').expect(200)).body;
    });

    it('lists every seed route under a compat tag of its own, and no native route there', () => {
      const tagsOf = (path: string) => Object.values(document.paths[path] ?? {}).flatMap((operation) => operation.tags ?? []);
      const seedPaths = Object.keys(document.paths).filter(
        (path) => path.startsWith('/api/tasks') || /^\/api\/v1\/tasks($|\/upload|\/statistics|\/\{task_id\})/.test(path),
      );
      expect(seedPaths.sort()).toEqual(
        [
          '/api/tasks',
          '/api/tasks/execute',
          '/api/tasks/available',
          '/api/tasks/{id}',
          '/api/tasks/{task_id}/status',
          '/api/tasks/users/me',
          '/api/tasks/learning-paths/{learning_path_id}',
          '/api/v1/tasks',
          '/api/v1/tasks/statistics',
          '/api/v1/tasks/upload',
          '/api/v1/tasks/{task_id}',
          '/api/v1/tasks/{task_id}/retry',
        ].sort(),
      );
      for (const path of seedPaths)
        expect({ path, tags: tagsOf(path) }).toEqual({ path, tags: expect.arrayContaining([expect.stringMatching(/^compat: /)]) });
      const native = Object.keys(document.paths).filter((path) => !seedPaths.includes(path));
      for (const path of native) expect({ path, tags: tagsOf(path).filter((tag) => tag.startsWith('compat')) }).toEqual({ path, tags: [] });
      expect(document.paths['/api/tasks/{task_id}/status'].get.tags).toEqual(['compat: user task status API']);
      expect(document.paths['/api/tasks/{id}'].get.tags).toEqual(['compat: Celery task API']);
      expect(document.paths['/api/v1/tasks/{task_id}'].patch.tags).toEqual(['compat: /api/v1/tasks']);
    });

    it('describes each seed answer with the seed’s own field names', () => {
      const fields = (schema: string) => Object.keys(document.components.schemas[schema]?.properties ?? {}).sort();
      expect(fields('CeleryAcceptedDto')).toEqual(['celery_task_id', 'execution_id', 'message', 'status']);
      expect(fields('CeleryTaskDto')).toEqual(
        [
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
        ].sort(),
      );
      expect(fields('CeleryAvailableTaskDto')).toEqual(['description', 'permissions', 'task_name']);
      expect(fields('CeleryTaskPageDto')).toEqual(['count', 'next', 'previous', 'results']);
      expect(fields('UserTaskDto')).toEqual(
        [
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
        ].sort(),
      );
      expect(fields('V1TaskDto')).toEqual(
        [
          'task_id',
          'status',
          'message',
          'type',
          'created_at',
          'updated_at',
          'result_id',
          'error',
          'metadata',
          'progress',
          'file_name',
          'file_size',
        ].sort(),
      );
      expect(fields('V1TaskPageDto')).toEqual(['items', 'page', 'page_size', 'total']);
      expect(fields('V1TaskStatisticsDto')).toEqual(['completed', 'failed', 'pending', 'processing', 'total']);
      expect(fields('V1UploadAcceptedDto')).toEqual(['file_name', 'file_size', 'status', 'task_id']);
      expect(fields('V1TaskUpdateDto')).toEqual(['error_message', 'progress', 'status']);
    });
  });
});
