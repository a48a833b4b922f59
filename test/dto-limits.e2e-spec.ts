import fc from 'fast-check';
import { Execution } from '../src/executions/execution.entity';
import { AppRoute, appRoutes } from './support/app-routes';
import { createCaller, dataSource, TestCaller } from './support/factories';
import { countRecords } from './support/record-counts';
import { RouteSamples, SAMPLE_BODIES, sendSample } from './support/route-samples';
import { createTestApp, TestApp } from './support/test-app';

const SEED = Number(process.env.FUZZ_SEED ?? 14_2026);
const RUNS = Number(process.env.LIMIT_RUNS ?? 40);

type Schema = Record<string, any>;

/** Characters of one, two and four UTF-8 bytes: a limit counted in bytes or UTF-16 units, not characters, shows. */
const CHARS = fc.constantFrom('a', 'é', '😀');
/** Wrong in type for any field that declares one, and out of every range. */
const ABSURD = [1e308, -1e308, 2 ** 53 + 2, true, {}, [], [[]], 'NaN'];

/** Values a field of this schema must refuse: each limit passed by one, then absurd ones. */
function refusedValues(schema: Schema): fc.Arbitrary<unknown> {
  const cases: Array<fc.Arbitrary<unknown>> = [];
  const wrongType = (keep: (value: unknown) => boolean) => fc.constantFrom(...ABSURD.filter(keep));
  switch (schema.type) {
    case 'string':
      if (schema.maxLength !== undefined)
        cases.push(fc.string({ unit: CHARS, minLength: schema.maxLength + 1, maxLength: schema.maxLength + 30 }));
      if ((schema.minLength ?? 0) > 0) cases.push(fc.constant(''));
      if (schema.enum) cases.push(fc.string({ minLength: 1 }).filter((value) => !schema.enum.includes(value)));
      if (schema.format === 'uuid') cases.push(fc.constantFrom('not-a-uuid', '00000000-0000-0000-0000-00000000000g'));
      if (schema.format === 'date-time') cases.push(fc.constantFrom('yesterday', '+275760-09-13T00:00:00Z', '9999-99-99T00:00:00Z'));
      cases.push(wrongType((value) => typeof value !== 'string'));
      break;
    case 'integer':
    case 'number':
      if (schema.maximum !== undefined)
        cases.push(fc.integer({ min: schema.maximum + 1, max: schema.maximum + 1_000_000 }), fc.constant(1e308));
      if (schema.minimum !== undefined)
        cases.push(fc.integer({ min: schema.minimum - 1_000_000, max: schema.minimum - 1 }), fc.constant(-1e308));
      if (schema.type === 'integer')
        cases.push(fc.double({ min: -1e6, max: 1e6, noNaN: true }).filter((value) => !Number.isInteger(value)));
      cases.push(wrongType((value) => typeof value !== 'number'));
      break;
    case 'boolean':
      cases.push(
        fc.constantFrom('true', 'yes', 0, 1),
        wrongType((value) => typeof value !== 'boolean'),
      );
      break;
    case 'array':
      cases.push(wrongType((value) => !Array.isArray(value)));
      if (schema.items?.type === 'string') cases.push(fc.constantFrom([42], [{}], [true]));
      break;
    case 'object':
      cases.push(wrongType((value) => typeof value !== 'object' || Array.isArray(value)));
      break;
    default:
      if (schema.enum) cases.push(fc.constant('not-a-member'));
      // A nested DTO (`$ref`, or `allOf` around one when it has a description): anything but an object.
      if (schema.$ref || schema.allOf) cases.push(wrongType((value) => typeof value !== 'object' || Array.isArray(value)));
  }
  return fc.oneof(...cases);
}

/**
 * One property per request DTO (issue 14.2): a valid body with one field set to its limit + 1 or to
 * an absurd value is answered 4xx and writes nothing, on SQLite and on PostgreSQL (the suite runs
 * on both). Limits are read from the OpenAPI document, so a new field or DTO is covered as it comes.
 */
describe('every request DTO at and past its limits (e2e)', () => {
  let t: TestApp;
  let samples: RouteSamples;
  let admin: TestCaller;
  let document: Schema;
  let bodyRoutes: AppRoute[];

  beforeAll(async () => {
    t = await createTestApp({ env: { ROLE: 'api', RATE_LIMIT_EXECUTE: '0', RATE_LIMIT_AUTH_FAILURES: '0', RECONCILE_INTERVAL_MS: '0' } });
    document = (await t.http().get('/api/docs-json').expect(200)).body;
    samples = new RouteSamples(t, document);
    admin = await createCaller(t.app, { isAdmin: true, permissions: ['demo.run', 'demo.files', 'executions.update'] });
    bodyRoutes = appRoutes(t.app).filter((route) => samples.bodySchema(route) !== null);
  });

  afterAll(() => t.close());

  it('covers every JSON body the API takes', () => {
    const schemas = new Set(bodyRoutes.map((route) => samples.bodySchema(route)!));
    expect([...schemas].filter((schema) => !SAMPLE_BODIES[schema])).toEqual([]);
    expect(schemas.size).toBeGreaterThanOrEqual(6);
  });

  it('answers 4xx and writes nothing for any field past its limit or absurd, DTO by DTO', async () => {
    const failures: string[] = [];
    let sent = 0;
    for (const route of bodyRoutes) {
      const name = samples.bodySchema(route)!;
      const properties = Object.entries((document.components.schemas[name]?.properties ?? {}) as Record<string, Schema>);
      const badBody = fc.oneof(...properties.map(([field, schema]) => refusedValues(schema).map((value) => ({ field, value }))));
      await fc.assert(
        fc.asyncProperty(badBody, async ({ field, value }) => {
          const sample = await samples.build(route, admin);
          const execution = sample.path.match(/executions\/([0-9a-f-]{36})/)?.[1];
          const read = () => (execution ? dataSource(t.app).getRepository(Execution).findOneBy({ id: execution }) : null);
          const [before, recordBefore] = [await countRecords(t.app), await read()];
          sent++;
          const answer = await sendSample(t, route, { ...sample, body: { ...sample.body, [field]: value } }, { Authorization: admin.auth });
          const written = JSON.stringify([await countRecords(t.app), await read()]) !== JSON.stringify([before, recordBefore]);
          if (answer.status < 400 || answer.status >= 500 || written) {
            failures.push(
              `${route.name} ${name}.${field}=${JSON.stringify(value).slice(0, 80)}: ${answer.status}${written ? ', wrote' : ''}`,
            );
          }
          return true;
        }),
        { seed: SEED, numRuns: RUNS },
      );
    }
    expect(failures).toEqual([]);
    expect(sent).toBe(bodyRoutes.length * RUNS);
  });
});
