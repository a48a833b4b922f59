import { ApiToken } from '../src/auth/api-token.entity';
import { PrincipalsService } from '../src/auth/principals.service';
import { generateTokenSecret } from '../src/auth/token-secret';
import { TokensService } from '../src/auth/tokens.service';
import { Execution } from '../src/executions/execution.entity';
import { AppRoute, appRoutes, executionIdIn, isAdminRoute, isExecutionRoute, isPublicBySpec } from './support/app-routes';
import { createCaller, dataSource, TestCaller } from './support/factories';
import { countRecords } from './support/record-counts';
import { effectiveStatus, RouteSamples, scopedToken, sendSample } from './support/route-samples';
import { createTestApp, TestApp } from './support/test-app';

const EVERY_PERMISSION = ['demo.run', 'demo.files', 'executions.update'];

/** Fields a caller must never set: the server owns them. Those a DTO declares (PATCH's status) are skipped. */
const SERVER_OWNED = [
  'id',
  'owner_id',
  'status',
  'attempts',
  'max_attempts',
  'result',
  'error',
  'traceback',
  'job_id',
  'queue',
  'progress',
  'created_at',
  'updated_at',
  'started_at',
  'completed_at',
  'retried_from',
  'idempotency_key',
  'is_complete',
  'is_admin',
  'disabled',
  'principal_id',
  'token_hash',
  'secret',
  'prefix',
  'revoked_at',
  'last_used_at',
  'actor_id',
];

/**
 * Every route the app serves (read from its router, not listed here) against every way of being
 * the wrong caller. Expectations come from SPEC.md, not from the code: everything but health and
 * metrics needs a token, /admin needs an admin, another principal's execution is a 404.
 */
describe('authorization matrix over every route (e2e)', () => {
  let t: TestApp;
  let routes: AppRoute[];
  let samples: RouteSamples;
  let admin: TestCaller;
  let owner: TestCaller;
  let intruder: TestCaller;

  beforeAll(async () => {
    // No worker (executions stay as the test leaves them); no throttling of the many refusals.
    t = await createTestApp({ env: { ROLE: 'api', RATE_LIMIT_AUTH_FAILURES: '0', RATE_LIMIT_EXECUTE: '0', RECONCILE_INTERVAL_MS: '0' } });
    routes = appRoutes(t.app);
    samples = new RouteSamples(t, (await t.http().get('/api/docs-json').expect(200)).body);
    admin = await createCaller(t.app, { isAdmin: true });
    owner = await createCaller(t.app, { permissions: EVERY_PERMISSION });
    intruder = await createCaller(t.app, { permissions: EVERY_PERMISSION });
  });

  afterAll(() => t.close());

  const protectedRoutes = () => routes.filter((route) => !isPublicBySpec(route));

  it('finds every route, and leaves only health and metrics open', async () => {
    expect(routes.length).toBeGreaterThanOrEqual(30);
    expect(
      routes
        .filter(isPublicBySpec)
        .map((route) => route.name)
        .sort(),
    ).toEqual(['GET /health/live', 'GET /health/ready', 'GET /metrics']);
    for (const route of routes) samples.operation(route); // each is documented
  });

  it('answers 401 on every protected route to no token, a bad, unknown, expired or revoked token, a disabled principal and a token in the query', async () => {
    const expired = await createCaller(t.app, { isAdmin: true, expiresAt: new Date(Date.now() + 60_000) });
    await dataSource(t.app)
      .getRepository(ApiToken)
      .update({ id: expired.token.id }, { expiresAt: new Date(Date.now() - 1000) });
    const revoked = await createCaller(t.app, { isAdmin: true });
    await t.app.get(TokensService).revoke(revoked.token.id);
    const disabled = await createCaller(t.app, { isAdmin: true });
    await t.app.get(PrincipalsService).setDisabled(disabled.principal.name, true);
    const wrongCallers: Array<[string, Record<string, string>, Record<string, string>?]> = [
      ['no token', {}],
      ['a malformed header', { Authorization: `Basic ${admin.secret}` }],
      ['a token of the wrong shape', { Authorization: 'Bearer tgw_short' }],
      ['an unknown token', { Authorization: `Bearer ${generateTokenSecret()}` }],
      ['an expired token', { Authorization: expired.auth }],
      ['a revoked token', { Authorization: revoked.auth }],
      ['a disabled principal', { Authorization: disabled.auth }],
    ];
    const failures: string[] = [];
    for (const route of protectedRoutes()) {
      const sample = await samples.build(route, owner);
      const before = await countRecords(t.app);
      const cases = [...wrongCallers];
      // Only the SSE route may take ?token=; everywhere else a token in the URL must not work.
      if (!route.path.endsWith('/events')) cases.push(['an admin token in ?token=', {}, { token: admin.secret }]);
      for (const [label, headers, query] of cases) {
        const response = await sendSample(t, route, sample, headers, query);
        if (response.status !== 401 || response.headers['www-authenticate'] !== 'Bearer')
          failures.push(`${route.name} with ${label}: ${response.status}`);
      }
      expect({ route: route.name, counts: await countRecords(t.app) }).toEqual({ route: route.name, counts: before });
    }
    expect(failures).toEqual([]);
  });

  it('answers 403 on every admin route to a non-admin and to an admin’s scoped token; the admin itself succeeds', async () => {
    const adminRoutes = routes.filter(isAdminRoute);
    expect(adminRoutes.length).toBeGreaterThanOrEqual(15);
    const scopedAdmin = await scopedToken(t, admin, ['demo.run']);
    const failures: string[] = [];
    for (const route of adminRoutes) {
      const sample = await samples.build(route, owner);
      const before = await countRecords(t.app);
      for (const [label, auth] of [
        ['a non-admin', owner.auth],
        ['a scoped admin token', scopedAdmin],
      ]) {
        const response = await sendSample(t, route, sample, { Authorization: auth });
        if (response.status !== 403) failures.push(`${route.name} for ${label}: ${response.status}`);
      }
      expect({ route: route.name, counts: await countRecords(t.app) }).toEqual({ route: route.name, counts: before });
      const allowed = await sendSample(t, route, sample, { Authorization: admin.auth });
      if (allowed.status >= 300) failures.push(`${route.name} for the admin (control): ${allowed.status} ${JSON.stringify(allowed.body)}`);
    }
    expect(failures).toEqual([]);
  });

  it('answers another principal’s execution exactly like a missing one (404) on every execution route, and leaves it as it was', async () => {
    const executionRoutes = routes.filter(isExecutionRoute);
    expect(executionRoutes.length).toBeGreaterThanOrEqual(6);
    const failures: string[] = [];
    for (const route of executionRoutes) {
      const sample = await samples.build(route, owner);
      const id = executionIdIn(sample.path);
      const missing = await sendSample(
        t,
        route,
        { ...sample, path: sample.path.replace(id, '00000000-0000-4000-8000-000000000000') },
        { Authorization: intruder.auth },
      );
      const before = { record: await recordOf(id), counts: await countRecords(t.app) };
      const foreign = await sendSample(t, route, sample, { Authorization: intruder.auth });
      if (foreign.status !== 404) failures.push(`${route.name} for another principal: ${foreign.status}`);
      expect(foreign.body.message?.replace(id, '…')).toBe(missing.body.message?.replace('00000000-0000-4000-8000-000000000000', '…'));
      expect({ route: route.name, record: await recordOf(id), counts: await countRecords(t.app) }).toEqual({
        route: route.name,
        ...before,
      });
      const own = await sendSample(t, route, sample, { Authorization: owner.auth });
      if (own.status === 404) failures.push(`${route.name} for the owner (control): 404`);
    }
    expect(failures).toEqual([]);
  });

  it('answers 403 to a token scoped away from the permission a route needs (404 when that hides the execution), and lets the same token scoped to it through', async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const route of protectedRoutes().filter((route) => !isAdminRoute(route))) {
      const unscoped = await sendSample(t, route, await samples.build(route, owner), { Authorization: owner.auth });
      const sample = await samples.build(route, owner);
      if (unscoped.body?.execution_id && sample.needs.length === 0)
        failures.push(`${route.name} starts executions but its sample declares no permission`);
      if (sample.needs.length === 0) continue;
      checked++;
      const awayScopes = [...sample.visibleWith.filter((permission) => !sample.needs.includes(permission)), 'unrelated.scope'];
      const [scopedAway, scopedTo] = [
        await scopedToken(t, owner, awayScopes),
        await scopedToken(t, owner, [...sample.visibleWith, ...sample.needs]),
      ];
      const before = await countRecords(t.app);
      const away = await sendSample(t, route, sample, { Authorization: scopedAway });
      const hidden = sample.visibleWith.some((permission) => !awayScopes.includes(permission));
      if (effectiveStatus(away) !== (hidden ? 404 : 403))
        failures.push(`${route.name} with a token scoped away from ${sample.needs.join(', ')}: ${effectiveStatus(away)}`);
      expect({ route: route.name, counts: await countRecords(t.app) }).toEqual({ route: route.name, counts: before });
      const to = await sendSample(t, route, sample, { Authorization: scopedTo });
      if (effectiveStatus(to) >= 300)
        failures.push(`${route.name} with a token scoped to ${sample.needs.join(', ')} (control): ${to.status} ${JSON.stringify(to.body)}`);
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(4); // execute, upload, retry, PATCH at least
  });

  it('rejects server-owned fields in every body with 400 naming the field, and writes nothing', async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const route of protectedRoutes()) {
      const declared = samples.bodyProperties(route);
      if (!declared) continue;
      const caller = isAdminRoute(route) ? admin : owner;
      for (const field of SERVER_OWNED.filter((name) => !declared.has(name))) {
        const sample = await samples.build(route, owner);
        const id = isExecutionRoute(route) ? executionIdIn(sample.path) : null;
        const record = id ? await recordOf(id) : null;
        const before = await countRecords(t.app);
        const value =
          field === 'owner_id' ? intruder.principal.id : field === 'status' ? 'completed' : field === 'attempts' ? 99 : { hacked: true };
        const assigned = sample.form
          ? { ...sample, form: { ...sample.form, [field]: JSON.stringify(value) } }
          : { ...sample, body: { ...sample.body, [field]: value } };
        const response = await sendSample(t, route, assigned, { Authorization: caller.auth });
        checked++;
        if (response.status !== 400 || !String(response.body.message).includes(field)) {
          failures.push(`${route.name} with ${field}: ${response.status} ${JSON.stringify(response.body.message)}`);
        }
        expect({ route: route.name, field, counts: await countRecords(t.app), record: id ? await recordOf(id) : null }).toEqual({
          route: route.name,
          field,
          counts: before,
          record,
        });
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(50);
  });

  const recordOf = (id: string) => dataSource(t.app).getRepository(Execution).findOneBy({ id });
});
