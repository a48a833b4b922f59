import fc from 'fast-check';
import { generateTokenSecret } from '../../src/auth/token-secret';

export type FuzzBody =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown; contentType: string }
  | { kind: 'raw'; text: string; contentType: string }
  | { kind: 'form'; fields: Array<[string, string]>; file: number | null };

export interface FuzzRequest {
  params: string[];
  query: string;
  body: FuzzBody;
  headers: Record<string, string>;
}

/** What the fuzzer knows of the app: real ids and names, so some requests reach past validation. */
export interface FuzzPool {
  ids: string[];
  taskNames: string[];
  adminAuth: string;
  serverOwnedFields: string[];
}

type Schema = Record<string, any>;

const NASTY = [
  '%00',
  '\u0000',
  "' OR '1'='1",
  '"; DROP TABLE executions; --',
  '../../etc/passwd',
  '..',
  '%2e%2e%2f',
  '%ZZ',
  '%C0%AF',
  '%',
  '00000000-0000-0000-0000-000000000000',
  'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF',
  '{00000000-0000-0000-0000-000000000000}',
  '%ED%A0%80',
  '%FF%FE',
  '0',
  '-1',
  '1e999',
  'NaN',
  'null',
  'true',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  '\u202e',
  '\ud800',
  'ǅ',
  ' ',
  '\t\n',
];

/** encodeURIComponent refuses lone surrogates (which fuzzed strings hold); they go as U+FFFD. */
const encode = (value: string) =>
  encodeURIComponent(value.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));

/** Strings: random, known-nasty, with a NUL inside, or right at and past the column and request limits. */
const anyText = (inUrl: boolean) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
    { weight: 1, arbitrary: fc.constantFrom(...NASTY) },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 })).map(([head, tail]) => `${head}\u0000${tail}`),
    },
    // A URL stays under Node's 16 KiB header limit (past it Node answers 431 before the app sees anything).
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(100, 101, 200, 201, 255, 256, ...(inUrl ? [2000] : [8193, 65_536, 65_537]))
        .map((length) => 'x'.repeat(length)),
    },
  );
const printable = fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code));
const headerText = (maxLength = 60) => fc.string({ unit: printable, maxLength });
const numbers = () =>
  fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: -5, max: 200 }) },
    fc.integer(),
    fc.double(),
    fc.constantFrom(0, -1, 101, 2 ** 31, 2 ** 53, 1e308, -1e308),
  );
const text = () => anyText(false);
const json = () => fc.jsonValue({ maxDepth: 3 });

/** Nesting and sizes past the limits, as raw JSON text (JSON.stringify itself would overflow on the deepest). */
const oversizedJson = () =>
  fc.oneof(
    fc
      .constantFrom(32, 33, 100, 5_000, 200_000)
      .map((depth) => `{"task_name":"demo.add","kwargs":{"a":${'['.repeat(depth)}${']'.repeat(depth)}}}`),
    fc.integer({ min: 60_000, max: 70_000 }).map((length) => JSON.stringify({ task_name: 'demo.add', resource: 'x'.repeat(length) })),
    fc.constantFrom('{"task_name":"demo.add",', '{"a":1}garbage', '{"a":"\\u0000"}', '{"__proto__":{"admin":true}}', '\u0000', ''),
  );

/** One value for a schema: usually of its type, sometimes anything at all. */
function valueFor(schema: Schema | undefined, name: string, pool: FuzzPool, inUrl = false): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 3, arbitrary: typedValue(schema ?? {}, name, pool, inUrl) }, { weight: 1, arbitrary: json() });
}

function typedValue(schema: Schema, name: string, pool: FuzzPool, inUrl: boolean): fc.Arbitrary<unknown> {
  if (name === 'task_name') return fc.oneof(fc.constantFrom(...pool.taskNames), anyText(inUrl));
  if (name === 'kwargs')
    return fc.oneof(
      fc.record({ a: numbers(), b: numbers() }),
      fc.record({ ms: numbers() }),
      fc.dictionary(anyText(inUrl), json(), { maxKeys: 3 }),
    );
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum);
  if (schema.format === 'uuid') return fc.oneof(fc.constantFrom(...pool.ids), fc.uuid(), anyText(inUrl));
  if (schema.format === 'date-time')
    return fc.oneof(
      fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
      anyText(inUrl),
    );
  switch (schema.type) {
    case 'integer':
    case 'number':
      return numbers();
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(typedValue(schema.items ?? {}, '', pool, inUrl), { maxLength: 4 });
    case 'object':
      return fc.dictionary(anyText(inUrl), json(), { maxKeys: 3 });
    case 'string':
      return anyText(inUrl);
    default:
      return json();
  }
}

/** A path segment: a real id, a random uuid, or something that is no id at all. */
function pathValue(name: string, pool: FuzzPool): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...(name === 'task_name' ? pool.taskNames : pool.ids)) },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).map(encode) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        ...NASTY.filter((item) => item.trim() !== '' && item !== '..').map((item) => (item.startsWith('%') ? item : encode(item))),
      ),
    },
  );
}

function queryString(parameters: Schema[], pool: FuzzPool): fc.Arbitrary<string> {
  const named = parameters.filter((parameter) => parameter.in === 'query');
  const name =
    named.length > 0
      ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...named.map((p) => p.name as string)) }, anyText(true))
      : anyText(true);
  const pair = name.chain((key) => {
    const schema = named.find((parameter) => parameter.name === key)?.schema;
    return valueFor(schema, key, pool, true).map(
      (value) => `${encode(key)}=${encode(typeof value === 'string' ? value : (JSON.stringify(value) ?? ''))}`,
    );
  });
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant('') },
    { weight: 4, arbitrary: fc.array(pair, { minLength: 1, maxLength: 2 }).map((pairs) => pairs.join('&')) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('%ZZ=1', 'a[b][c]=1', '&&=&', 'limit=1&limit=2', 'cursor=%00', 'status=', `cursor=${'A'.repeat(600)}`),
    },
  );
}

function jsonBody(schema: Schema | undefined, base: Record<string, unknown> | undefined, pool: FuzzPool): fc.Arbitrary<FuzzBody> {
  const properties: Record<string, Schema> = schema?.properties ?? {};
  const declared = Object.keys(properties);
  const extraKey = fc.oneof(fc.constantFrom(...pool.serverOwnedFields), text());
  // One or two changes to a body the route would accept, so most requests get as far as the database.
  const change = fc.oneof(
    ...(declared.length > 0
      ? [
          {
            weight: 4,
            arbitrary: fc
              .constantFrom(...declared)
              .chain((name) => valueFor(properties[name], name, pool).map((value) => ({ [name]: value }))),
          },
        ]
      : []),
    { weight: 1, arbitrary: fc.tuple(extraKey, json()).map(([name, value]) => ({ [name]: value })) },
  );
  const mutated = fc.array(change, { minLength: 0, maxLength: 2 }).map((changes) => Object.assign({}, base ?? {}, ...changes));
  const shaped = fc.record(Object.fromEntries(declared.map((name) => [name, valueFor(properties[name], name, pool)])), {
    requiredKeys: [],
  });
  const contentType = fc.oneof(
    { weight: 8, arbitrary: fc.constant('application/json') },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'application/json; charset=utf-16',
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/json; charset=latin1',
      ),
    },
  );
  const asJson = (value: unknown, type = 'application/json') => ({ kind: 'json' as const, value, contentType: type });
  return fc.oneof(
    ...(base ? [{ weight: 6, arbitrary: fc.tuple(mutated, contentType).map(([value, type]) => asJson(value, type)) }] : []),
    { weight: 2, arbitrary: shaped.map((value) => asJson(value)) },
    { weight: 1, arbitrary: json().map((value) => asJson(value)) },
    { weight: 1, arbitrary: oversizedJson().map((body) => ({ kind: 'raw' as const, text: body, contentType: 'application/json' })) },
    { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
  );
}

function formBody(schema: Schema | undefined, pool: FuzzPool): fc.Arbitrary<FuzzBody> {
  const names = Object.keys(schema?.properties ?? {}).filter((name) => name !== 'file');
  const field = fc.tuple(
    fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...names) }, fc.constantFrom(...pool.serverOwnedFields), text()),
    fc.oneof(
      json().map((value) => JSON.stringify(value)),
      text(),
      oversizedJson(),
    ),
  );
  const file = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 2048 }) }, fc.constant(80 * 1024), fc.constant(null));
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.tuple(fc.array(field, { maxLength: 4 }), file).map(([fields, size]) => ({ kind: 'form' as const, fields, file: size })),
    },
    { weight: 1, arbitrary: jsonBody(undefined, undefined, pool) },
  );
}

function headers(pool: FuzzPool): fc.Arbitrary<Record<string, string>> {
  const authorization = fc.oneof(
    { weight: 12, arbitrary: fc.constant(pool.adminAuth) },
    fc.constant(''),
    headerText(),
    headerText(44).map((token) => `Bearer ${token}`),
    fc.constantFrom(
      'Bearer',
      'Token  ',
      `Bearer ${generateTokenSecret()}`,
      `Basic ${Buffer.from('admin:admin').toString('base64')}`,
      `${pool.adminAuth}x`,
    ),
  );
  // Each extra header in about one request in six, so most bodies get past the parser.
  const optional = (arbitrary: fc.Arbitrary<string>) =>
    fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });
  return fc
    .record({
      Authorization: authorization,
      'Idempotency-Key': optional(headerText(300)),
      'Last-Event-ID': optional(fc.oneof(headerText(), fc.constantFrom('0-0', '9999999999999-0', '1-1-1'))),
      'X-Request-Id': optional(headerText(80)),
      'Content-Encoding': optional(fc.constantFrom('gzip', 'br', 'identity', 'nonsense')),
      Accept: optional(fc.constantFrom('text/event-stream', 'application/xml', '*/*')),
    })
    .map((record) => Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Record<string, string>);
}

/**
 * Requests for one route of the OpenAPI document: its params, query, body (JSON or multipart) and
 * headers. `base` is a body the route accepts; most bodies are it with a change or two.
 */
export function fuzzRequests(
  paramNames: string[],
  operation: Schema,
  schemas: Record<string, Schema>,
  pool: FuzzPool,
  base?: Record<string, unknown>,
): fc.Arbitrary<FuzzRequest> {
  const content = operation.requestBody?.content ?? {};
  const resolve = (schema: Schema | undefined) => (schema?.$ref ? schemas[String(schema.$ref).split('/').pop() as string] : schema);
  const body = content['multipart/form-data']
    ? formBody(resolve(content['multipart/form-data'].schema), pool)
    : jsonBody(resolve(content['application/json']?.schema), base, pool);
  return fc.record({
    params: fc.tuple(...paramNames.map((name) => pathValue(name, pool))),
    query: queryString(operation.parameters ?? [], pool),
    body,
    headers: headers(pool),
  });
}
