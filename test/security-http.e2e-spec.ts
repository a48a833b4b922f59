import { readFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { DataSource, QueryFailedError } from 'typeorm';
import { ExecutionsQueryService } from '../src/executions/executions-query.service';
import { appRoutes, isSeedTaskRoute } from './support/app-routes';
import { launchChromium } from './support/browser';
import { createCaller, TestCaller } from './support/factories';
import { countRecords } from './support/record-counts';
import { RouteSamples, SAMPLE_BODIES } from './support/route-samples';
import { createTestApp, TestApp } from './support/test-app';
import { pollUntil } from './support/wait-for';

const API = '/api/v1';
const NOT_ALLOWED = 'https://evil.example.net';

describe('HTTP hardening (e2e)', () => {
  let t: TestApp;
  let admin: TestCaller;
  let runner: TestCaller;

  beforeAll(async () => {
    t = await createTestApp({ env: { ROLE: 'api', RECONCILE_INTERVAL_MS: '0', RATE_LIMIT_AUTH_FAILURES: '0' } });
    admin = await createCaller(t.app, { isAdmin: true });
    runner = await createCaller(t.app, { permissions: ['demo.run', 'demo.files'] });
  });

  afterAll(() => t.close());

  const execute = (body: unknown, app: TestApp = t) =>
    app
      .http()
      .post(`${API}/tasks/execute`)
      .set('Authorization', runner.auth)
      .set('Content-Type', 'application/json')
      .send(typeof body === 'string' ? body : JSON.stringify(body));

  describe('security headers', () => {
    it('come with every kind of response: API, errors, health, metrics and the docs', async () => {
      const responses = {
        'an API answer': await t.http().get(`${API}/me`).set('Authorization', admin.auth).expect(200),
        'a 401': await t.http().get(`${API}/me`).expect(401),
        'an unknown route': await t.http().get(`${API}/no-such-route`).expect(404),
        'a body that is not JSON': await t
          .http()
          .post(`${API}/tasks/execute`)
          .set('Authorization', runner.auth)
          .set('Content-Type', 'application/json')
          .send('{')
          .expect(400),
        '/health/live': await t.http().get('/health/live').expect(200),
        '/metrics': await t.http().get('/metrics').expect(200),
        '/api/docs-json': await t
          .http()
          .get('/api/docs-json')
          .expect(200)
          .expect((response) => expect(response.body.paths).toBeDefined()),
        'Swagger UI': await t.http().get('/api/docs/').expect(200).expect('Content-Type', /html/),
      };
      for (const [where, response] of Object.entries(responses)) {
        expect({ where, headers: response.headers }).toMatchObject({
          where,
          headers: {
            'content-security-policy': expect.stringContaining("default-src 'self'"),
            'strict-transport-security': expect.stringMatching(/max-age=\d+/),
            'x-content-type-options': 'nosniff',
            'x-frame-options': 'SAMEORIGIN',
            'referrer-policy': 'no-referrer',
            'cross-origin-opener-policy': 'same-origin',
            'cross-origin-resource-policy': 'same-origin',
          },
        });
        expect(response.headers['x-powered-by']).toBeUndefined();
        // On plain HTTP this would send the docs' scripts to https:// and break Swagger UI.
        expect(response.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
      }
    });

    it('leave the console its own, stricter policy', async () => {
      const page = await t.http().get('/admin/').expect(200);
      const policy = page.headers['content-security-policy'];
      expect(policy.startsWith("default-src 'self'; script-src 'self' 'sha256-")).toBe(true);
      expect(policy).toContain("frame-ancestors 'none'");
      expect(policy).not.toContain('https:');
      expect(page.headers['x-frame-options']).toBe('DENY');
      expect(page.headers['x-content-type-options']).toBe('nosniff');
    });

    it('let Swagger UI render in a real browser with no policy violation', async () => {
      // A non-loopback address when there is one: browsers apply `upgrade-insecure-requests` there, not on 127.0.0.1.
      const host =
        Object.values(networkInterfaces())
          .flat()
          .find((address) => address?.family === 'IPv4' && !address.internal)?.address ?? '127.0.0.1';
      const server = await t.app.listen(0, host);
      const base = `http://${host}:${(server.address() as AddressInfo).port}`;
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        const problems: string[] = [];
        page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
        page.on('pageerror', (error) => problems.push(error.message));
        await page.goto(`${base}/api/docs`);
        await page.locator('.swagger-ui .info .title').filter({ hasText: 'taskgate' }).waitFor({ timeout: 20_000 });
        await page.locator('.opblock-tag').first().waitFor();
        expect(problems.filter((text) => /Content Security Policy|Refused to/i.test(text))).toEqual([]);
      } finally {
        await browser.close();
      }
    }, 60_000);
  });

  describe('CORS', () => {
    it('is off by default: no CORS header on a request or a preflight', async () => {
      const simple = await t.http().get('/health/live').set('Origin', 'https://app.example.com').expect(200);
      const preflight = await t
        .http()
        .options(`${API}/me`)
        .set('Origin', 'https://app.example.com')
        .set('Access-Control-Request-Method', 'GET')
        .set('Access-Control-Request-Headers', 'authorization');
      for (const response of [simple, preflight]) {
        expect(Object.keys(response.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
      }
    });
  });

  describe('request limits', () => {
    /** `levels` arrays one in another; as `args` (which takes any JSON) the body is 1 + `levels` deep. */
    const nested = (levels: number): unknown => (levels === 0 ? 1 : [nested(levels - 1)]);

    it('nesting: the body may be JSON_MAX_DEPTH (32) levels deep, not one more; nothing is written', async () => {
      const before = await countRecords(t.app);
      const deeper = await execute({ task_name: 'demo.add', kwargs: { a: 1, b: 2 }, args: nested(32) }).expect(400);
      expect(deeper.body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: expect.stringMatching(/nested deeper than 32 levels \(JSON_MAX_DEPTH\) at args(\[0\])+$/),
      });
      const abyss = `{"task_name":"demo.add","kwargs":{"a":${'['.repeat(200_000)}${']'.repeat(200_000)},"b":1}}`;
      expect((await execute(abyss).expect(400)).body.message).toMatch(/JSON_MAX_DEPTH/);
      expect(await countRecords(t.app)).toEqual(before);
      await execute({ task_name: 'demo.add', kwargs: { a: 1, b: 2 }, args: nested(31) }).expect(202);
    });

    it('strings: 413 above JSON_MAX_STRING (64 KiB), 400 for a NUL character, in bodies and query strings; nothing is written', async () => {
      const before = await countRecords(t.app);
      const long = await execute({ task_name: 'demo.add', kwargs: { a: 1, b: 2 }, args: ['x'.repeat(65_537)] }).expect(413);
      expect(long.body).toEqual({
        statusCode: 413,
        error: 'Payload Too Large',
        message: expect.stringMatching(/longer than 65536 characters \(JSON_MAX_STRING\) at args\[0\]$/),
      });
      const key = await execute({ task_name: 'demo.add', kwargs: { a: 1, b: 2, ['k'.repeat(65_537)]: 1 } }).expect(413);
      expect(key.body.message).toMatch(/\(a key\)$/);
      const nul = await execute({ task_name: 'demo.add', kwargs: { a: 1, b: 2 }, resource: 'a\u0000b' }).expect(400);
      expect(nul.body.message).toBe('the body holds a NUL character (U+0000) at resource');
      for (const query of ['resource=a%00b', 'task_name=%00']) {
        const response = await t.http().get(`${API}/executions?${query}`).set('Authorization', runner.auth).expect(400);
        expect(response.body.message).toMatch(/^the query string holds a NUL character/);
      }
      expect(await countRecords(t.app)).toEqual(before);
      await execute({ task_name: 'demo.add', kwargs: { a: 1, b: 2 }, args: ['x'.repeat(65_536)] }).expect(202);
    });

    it('apply to an upload’s form fields too, and leave no file behind', async () => {
      const before = await countRecords(t.app);
      const upload = (field: string) =>
        t
          .http()
          .post(`${API}/tasks/demo.checksum/upload`)
          .set('Authorization', runner.auth)
          .field('kwargs', field)
          .attach('file', Buffer.from('data'), 'data.txt');
      expect((await upload(`{"deep":${'['.repeat(40)}${']'.repeat(40)}}`).expect(400)).body.message).toMatch(
        /^the form is nested deeper than 32 levels/,
      );
      expect((await upload(JSON.stringify({ text: 'y'.repeat(65_537) })).expect(413)).body.message).toMatch(
        /JSON_MAX_STRING\) at kwargs.text$/,
      );
      expect((await upload('{"name":"a\\u0000"}').expect(400)).body.message).toMatch(/NUL/);
      expect(await countRecords(t.app)).toEqual(before);
    });
  });

  describe('error bodies', () => {
    it('turn a database driver error into a bare 500 (no SQL, no stack), and log it instead', async () => {
      const sql = 'SELECT "secret_column" FROM "executions" WHERE "owner_id" = $1';
      const failure = new QueryFailedError(sql, ['42'], new Error('relation "executions_shadow" does not exist'));
      const spy = jest.spyOn(ExecutionsQueryService.prototype, 'statistics').mockRejectedValueOnce(failure);
      try {
        const response = await t.http().get(`${API}/executions/statistics`).set('Authorization', runner.auth).expect(500);
        expect(response.body).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'internal server error' });
        expect(response.text).not.toMatch(/SELECT|secret_column|executions_shadow|QueryFailedError|\.ts:\d+/);
      } finally {
        spy.mockRestore();
      }
      // Log lines are written asynchronously: wait for this one rather than read the file at once.
      await pollUntil(
        () => readFileSync(t.config.logFile, 'utf8'),
        (log) => log.includes('relation \\"executions_shadow\\" does not exist'),
        { timeoutMs: 5000, intervalMs: 20 },
      );
    });
  });

  describe('ids', () => {
    /** Every SQL statement sent while `action` runs, with its parameters. */
    async function queriesDuring(action: () => Promise<unknown>): Promise<Array<{ sql: string; parameters: unknown[] }>> {
      const dataSource = t.app.get(DataSource);
      const runner = dataSource.createQueryRunner();
      const prototype = Object.getPrototypeOf(runner) as { query: (...args: unknown[]) => Promise<unknown> };
      await runner.release();
      const spy = jest.spyOn(prototype, 'query');
      try {
        await action();
        return spy.mock.calls.map(([sql, parameters]) => ({ sql: String(sql), parameters: (parameters as unknown[]) ?? [] }));
      } finally {
        spy.mockRestore();
      }
    }

    /** What authenticating a token reads; anything else before a 400 means the id reached a query. */
    const AUTH_TABLES = ['api_tokens', 'principals', 'groups', 'group_memberships', 'permission_grants'];
    const untouchedBeyondAuth = (queries: Array<{ sql: string }>) =>
      queries
        .flatMap(({ sql }) => [...sql.matchAll(/(?:FROM|JOIN|INTO|UPDATE)\s+"(\w+)"/gi)].map((match) => match[1]))
        .filter((table) => !AUTH_TABLES.includes(table));

    it('rejects a malformed id in any path parameter of any route with 400 (a seed route’s task id: 404), before any query but authentication', async () => {
      const routes = appRoutes(t.app).filter((route) => route.params.some((param) => param !== 'task_name'));
      expect(routes.length).toBeGreaterThanOrEqual(12);
      // A valid body, so that only the id can be what is refused.
      const samples = new RouteSamples(t, (await t.http().get('/api/docs-json').expect(200)).body);
      const failures: string[] = [];
      for (const route of routes) {
        for (const [position, param] of route.params.entries()) {
          if (param === 'task_name') continue;
          const marker = `not-an-id-${position}-${route.params.length}`;
          let index = 0;
          const path = route.path.replace(/:(\w+)/g, () => (index++ === position ? marker : '6f1c0a4e-8d2b-4c3a-9e5f-0a1b2c3d4e5f'));
          let status = 0;
          const queries = await queriesDuring(async () => {
            const body = SAMPLE_BODIES[samples.bodySchema(route) ?? '']?.().body;
            const call = t.http()[route.method](path).set('Authorization', admin.auth);
            status = (body ? await call.send(body) : await call).status;
          });
          const leaked = queries.filter(({ sql, parameters }) => sql.includes(marker) || JSON.stringify(parameters).includes(marker));
          // The seed APIs answer a task id that names no task with 404, whatever its shape (SeedTaskIdPipe).
          const expected = isSeedTaskRoute(route) && ['id', 'task_id'].includes(param) ? 404 : 400;
          if (status !== expected || leaked.length > 0 || untouchedBeyondAuth(queries).length > 0) {
            failures.push(`${route.name} with :${param}=${marker}: ${status}, queries ${JSON.stringify(queries.map((q) => q.sql))}`);
          }
        }
      }
      expect(failures).toEqual([]);
    });

    it('rejects malformed cursors and id filters with 400 before any query on what they page or filter', async () => {
      const checks = [
        `${API}/executions?cursor=not-a-cursor`,
        `${API}/executions?cursor=${Buffer.from('[1,"x","desc"]').toString('base64url')}`,
        `${API}/executions?owner=not-an-id`,
        `${API}/executions?retried_from=1%20OR%201%3D1`,
        `${API}/admin/audit?cursor=${Buffer.from('{"a":1}').toString('base64url')}`,
        `${API}/admin/grants?principal_id=nope`,
      ];
      for (const url of checks) {
        let status = 0;
        const queries = await queriesDuring(async () => {
          status = (await t.http().get(url).set('Authorization', admin.auth)).status;
        });
        expect({ url, status, touched: untouchedBeyondAuth(queries) }).toEqual({ url, status: 400, touched: [] });
      }
    });
  });
});

/**
 * Apps with other settings, each alone: Passport keeps one strategy per name for the whole process,
 * so a second app alive beside the first would answer the first one's logins.
 */
describe('HTTP hardening, configured (e2e)', () => {
  it('allows exactly the configured origins (CORS_ORIGINS), preflight included, and no other', async () => {
    const cors = await createTestApp({
      env: { ROLE: 'api', RECONCILE_INTERVAL_MS: '0', CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' },
    });
    try {
      const caller = await createCaller(cors.app);
      for (const origin of ['https://app.example.com', 'http://localhost:5173']) {
        const preflight = await cors
          .http()
          .options(`${API}/tasks/execute`)
          .set('Origin', origin)
          .set('Access-Control-Request-Method', 'POST')
          .set('Access-Control-Request-Headers', 'authorization,content-type,idempotency-key')
          .expect(204);
        expect(preflight.headers['access-control-allow-origin']).toBe(origin);
        expect(preflight.headers['access-control-allow-methods']).toContain('POST');
        expect(preflight.headers['access-control-allow-headers']).toMatch(/Authorization.*Content-Type.*Idempotency-Key/);
        expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();
        const simple = await cors.http().get(`${API}/me`).set('Origin', origin).set('Authorization', caller.auth).expect(200);
        expect(simple.headers['access-control-allow-origin']).toBe(origin);
      }
      const refusedPreflight = await cors
        .http()
        .options(`${API}/me`)
        .set('Origin', NOT_ALLOWED)
        .set('Access-Control-Request-Method', 'GET');
      const refused = await cors.http().get(`${API}/me`).set('Origin', NOT_ALLOWED).set('Authorization', caller.auth);
      for (const response of [refusedPreflight, refused]) expect(response.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await cors.close();
    }
  });

  it('applies the request limits JSON_MAX_DEPTH and JSON_MAX_STRING', async () => {
    const small = await createTestApp({ env: { ROLE: 'api', RECONCILE_INTERVAL_MS: '0', JSON_MAX_DEPTH: '3', JSON_MAX_STRING: '10' } });
    try {
      const caller = await createCaller(small.app, { permissions: ['demo.run'] });
      const send = (body: object) => small.http().post(`${API}/tasks/execute`).set('Authorization', caller.auth).send(body);
      await send({ task_name: 'demo.add', kwargs: { a: 1, b: 2 }, args: [[[]]] }).expect(400);
      await send({ task_name: 'demo.add', kwargs: { a: 1, b: 2 }, args: [[]] }).expect(202);
      await send({ task_name: 'demo.add', kwargs: { a: 1, b: 2 }, resource: 'x'.repeat(11) }).expect(413);
      await send({ task_name: 'demo.add', kwargs: { a: 1, b: 2 }, resource: 'x'.repeat(10) }).expect(202);
    } finally {
      await small.close();
    }
  });
});
