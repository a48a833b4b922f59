import { Injectable, Module } from '@nestjs/common';
import { IsString } from 'class-validator';
import IORedis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { keyId } from '../src/secrets/secrets-cipher';
import { ApiTask, Sensitive } from '../src/task-registry';
import { createCaller, dataSource, TestCaller } from './support/factories';
import { openSse, openWs } from './support/live-clients';
import { createTestApp, TestApp } from './support/test-app';
import { pollUntil, waitForExecution } from './support/wait-for';
import { WebhookReceiver } from './support/webhook-receiver';

const API = '/api/v1';
const POLL = { timeoutMs: 15_000, intervalMs: 25 };
/** One value per run: whatever else the database, Redis or the logs hold, this string appears only if this suite leaked it. */
const SECRET = `sk-${randomBytes(12).toString('hex')}`;
/** A clear, unique neighbour of the secret: found where the scans look, it proves they read real data. */
const TO = `ops-${randomBytes(6).toString('hex')}@example.test`;

class VaultKwargs {
  @IsString()
  @Sensitive()
  password: string;
}

@Injectable()
class VaultTasks {
  @ApiTask(['vault.open'], 'Needs SECRETS_KEY', { name: 'vault.open', kwargs: VaultKwargs })
  open(): number {
    return 1;
  }
}

@Module({ providers: [VaultTasks] })
class VaultModule {}

/** Every Redis key under the app's prefix, dumped whatever its type. */
async function dumpRedis(redisUrl: string, prefix: string): Promise<{ keys: number; text: string }> {
  const redis = new IORedis(redisUrl, { maxRetriesPerRequest: 1 });
  const parts: string[] = [];
  let keys = 0;
  try {
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      for (const key of batch) {
        keys++;
        const type = await redis.type(key);
        parts.push(key);
        if (type === 'string') parts.push((await redis.get(key)) ?? '');
        else if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)));
        else if (type === 'list') parts.push(JSON.stringify(await redis.lrange(key, 0, -1)));
        else if (type === 'set') parts.push(JSON.stringify(await redis.smembers(key)));
        else if (type === 'zset') parts.push(JSON.stringify(await redis.zrange(key, 0, -1, 'WITHSCORES')));
        else if (type === 'stream') parts.push(JSON.stringify(await redis.xrange(key, '-', '+')));
        else parts.push(`<${type}>`);
      }
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return { keys, text: parts.join('\n') };
}

/** What the database holds: the SQLite file and its WAL as bytes, or every row of every table of the PostgreSQL schema as JSON. */
async function dumpDatabase(url: string, source: DataSource): Promise<string> {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    return [file, `${file}-wal`]
      .filter((path) => existsSync(path))
      .map((path) => readFileSync(path).toString('latin1'))
      .join('\n');
  }
  const tables: Array<{ table_name: string }> = await source.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
  );
  const rows: string[] = [];
  for (const { table_name } of tables) {
    // Only rows holding this run's unique values: a shared CI database holds every suite's rows.
    const found: Array<{ row: string }> = await source.query(
      `SELECT row_to_json(t)::text AS row FROM "${table_name}" t WHERE row_to_json(t)::text LIKE $1 OR row_to_json(t)::text LIKE $2`,
      [`%${SECRET}%`, `%${TO}%`],
    );
    rows.push(...found.map(({ row }) => `${table_name}: ${row}`));
  }
  return rows.join('\n');
}

/** SPEC 7.8: a `@Sensitive()` kwarg reaches the handler in clear and no store, log or answer. */
describe('sensitive arguments (e2e)', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let alice: TestCaller;
  let admin: TestCaller;
  let port: number;
  const seen: string[] = [];
  const executionIds: string[] = [];

  beforeAll(async () => {
    receiver = await new WebhookReceiver().start();
    t = await createTestApp({
      env: { WEBHOOK_SECRET: 'whsec-test-0123456789abcdef', WEBHOOK_ALLOW_PRIVATE: 'true', RECONCILE_INTERVAL_MS: '0' },
    });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as { port: number }).port;
    alice = await createCaller(t.app, { permissions: ['demo.run'] });
    admin = await createCaller(t.app, { isAdmin: true });
  });

  afterAll(async () => {
    await t?.close();
    await receiver?.stop();
  });

  const execute = (body: object, headers: Record<string, string> = {}) =>
    t.http().post(`${API}/tasks/execute`).set('Authorization', alice.auth).set(headers).send(body);
  const notify = (extra: object = {}) => ({ task_name: 'demo.notify', kwargs: { to: TO, api_key: SECRET }, ...extra });
  /** An answer's text, kept for the final check that none held the secret. */
  const keep = <T>(body: T): T => {
    seen.push(typeof body === 'string' ? body : JSON.stringify(body));
    return body;
  };
  const completed = async (id: string) => {
    executionIds.push(id);
    const record = keep(await waitForExecution(t, alice.auth, id));
    expect(record).toMatchObject({ status: 'completed', result: { to: TO, key_length: SECRET.length } });
    expect(record.kwargs).toEqual({ to: TO, api_key: '***' });
    return record;
  };

  it('hands the handler the clear value and shows "***" in the record, the list, the SSE events, the WebSocket and the webhook', async () => {
    const ws = await openWs(port, { header: alice.auth });
    const accepted = await execute(notify({ callback_url: receiver.url('/notify') })).expect(202);
    const id = accepted.body.execution_id as string;
    ws.send({ type: 'subscribe', execution_id: id });
    const sse = openSse(port, `${API}/executions/${id}/events`, alice.secret);
    const record = await completed(id);

    await sse.ended;
    expect(sse.events.length).toBeGreaterThan(0);
    for (const event of sse.events) expect(event.data.kwargs).toEqual({ to: TO, api_key: '***' });
    keep(sse.events);
    ws.close();
    keep(ws.messages);

    const [hook] = await pollUntil(
      () => receiver.to('/notify'),
      (hooks) => hooks.length >= 1,
      POLL,
    );
    expect(JSON.parse(hook.body)).toEqual({ event: 'execution.finished', execution: record });
    keep(hook.body);

    const list = await t.http().get(`${API}/executions?task_name=demo.notify&limit=100`).set('Authorization', alice.auth).expect(200);
    expect(list.body.items.find((item: { id: string }) => item.id === id).kwargs).toEqual({ to: TO, api_key: '***' });
    keep(list.body);
  });

  it('runs batch items with sensitive fields; an Idempotency-Key replays the same secret and refuses another', async () => {
    const items = [notify({ idempotency_key: `batch-${TO}` }), notify()];
    const batch = await t.http().post(`${API}/tasks/execute-batch`).set('Authorization', alice.auth).send({ items }).expect(200);
    expect(batch.body).toMatchObject({ accepted: 2, rejected: 0 });
    for (const result of batch.body.results as Array<{ execution_id: string }>) await completed(result.execution_id);

    const again = await t
      .http()
      .post(`${API}/tasks/execute-batch`)
      .set('Authorization', alice.auth)
      .send({ items: [items[0], { ...items[0], kwargs: { to: TO, api_key: `${SECRET}-other` } }] })
      .expect(200);
    expect(again.body.results[0]).toEqual({ index: 0, status: 202, execution_id: batch.body.results[0].execution_id });
    expect(again.body.results[1]).toMatchObject({ index: 1, status: 409 });

    const key = { 'Idempotency-Key': `single-${TO}` };
    const first = await execute(notify(), key).expect(202);
    await completed(first.body.execution_id as string);
    expect((await execute(notify(), key).expect(202)).body.execution_id).toBe(first.body.execution_id);
    await execute({ task_name: 'demo.notify', kwargs: { to: TO, api_key: 'another' } }, key).expect(409);
  });

  it('retries with the stored (encrypted) value: the retry runs with the same clear value', async () => {
    const delayed = await execute(notify({ delay_ms: 600_000 })).expect(202);
    const original = delayed.body.execution_id as string;
    executionIds.push(original);
    await t.http().post(`${API}/executions/${original}/cancel`).set('Authorization', alice.auth).expect(202);
    const retry = await t.http().post(`${API}/executions/${original}/retry`).set('Authorization', alice.auth).expect(202);
    const record = await completed(retry.body.execution_id as string);
    expect(record.retried_from).toBe(original);
  });

  it('shows "***" in the seed APIs and writes no clear value in the audit log', async () => {
    const [id] = executionIds;
    const celery = await t.http().get(`/api/tasks/${id}`).set('Authorization', alice.auth).expect(200);
    expect(celery.body.kwargs).toEqual({ to: TO, api_key: '***' });
    const v1 = await t.http().get(`${API}/tasks/${id}`).set('Authorization', alice.auth).expect(200);
    expect(v1.body.metadata).toEqual({ to: TO, api_key: '***' });
    keep(celery.body);
    keep(v1.body);
    keep((await t.http().get('/api/tasks').set('Authorization', alice.auth).expect(200)).body);
    keep((await t.http().get(`${API}/tasks`).set('Authorization', alice.auth).expect(200)).body);
    const audit = await t.http().get(`${API}/admin/audit?limit=100`).set('Authorization', admin.auth).expect(200);
    expect(audit.body.items.length).toBeGreaterThan(0);
    keep(audit.body);
  });

  it('marks the field writeOnly in the OpenAPI document and the task list', async () => {
    const document = await t.http().get('/api/docs-json').expect(200);
    const schema = document.body.components.schemas['TaskKwargs.demo.notify'];
    expect(schema.properties.api_key).toMatchObject({ type: 'string', writeOnly: true });
    expect(schema.properties.to.writeOnly).toBeUndefined();
    const tasks = await t.http().get(`${API}/tasks/available`).set('Authorization', alice.auth).expect(200);
    const task = tasks.body.find((entry: { task_name: string }) => entry.task_name === 'demo.notify');
    expect(task.kwargs_schema.properties.api_key.writeOnly).toBe(true);
  });

  it('leaves no clear value in any answer, the database, Redis or the debug log', async () => {
    for (const text of seen) expect(text).not.toContain(SECRET);

    const database = await dumpDatabase(t.config.databaseUrl, dataSource(t.app));
    expect(database).toContain(TO); // the scan reads the records …
    expect(database).not.toContain(SECRET); // … and the secret is in none of them

    const redis = await dumpRedis(t.config.redisUrl, t.config.queuePrefix);
    expect(redis.keys).toBeGreaterThan(0);
    expect(redis.text).toContain(executionIds[0]);
    expect(redis.text).not.toContain(SECRET);

    const log = readFileSync(t.config.logFile, 'utf8');
    expect(log).toMatch(/"level":20/); // debug lines are there
    expect(log).not.toContain(SECRET);
  });

  it('decrypts after a rotation with the old key as SECRETS_KEY_PREVIOUS, and names the key id once that key is gone', async () => {
    const delayed = await execute(notify({ delay_ms: 600_000 })).expect(202);
    const original = delayed.body.execution_id as string;
    await t.http().post(`${API}/executions/${original}/cancel`).set('Authorization', alice.auth).expect(202);
    const oldKey = t.config.secretsKey!;
    const newKey = randomBytes(32);
    const shared = { DATABASE_URL: t.config.databaseUrl, RECONCILE_INTERVAL_MS: '0', SECRETS_KEY: newKey.toString('base64') };

    const withoutOld = await createTestApp({ env: { ...shared, ROLE: 'api' } });
    try {
      const refused = await withoutOld.http().post(`${API}/executions/${original}/retry`).set('Authorization', alice.auth).expect(409);
      expect(refused.body.message).toContain(keyId(oldKey));
      expect(refused.body.message).not.toContain(SECRET);
    } finally {
      await withoutOld.close();
    }

    const rotated = await createTestApp({ env: { ...shared, SECRETS_KEY_PREVIOUS: oldKey.toString('base64') } });
    try {
      const retry = await rotated.http().post(`${API}/executions/${original}/retry`).set('Authorization', alice.auth).expect(202);
      const record = await waitForExecution(rotated, alice.auth, retry.body.execution_id as string);
      expect(record).toMatchObject({ status: 'completed', result: { to: TO, key_length: SECRET.length } });
      // The retry was sealed again with the new key.
      const [row] = await dataSource(rotated.app).query(`SELECT kwargs FROM executions WHERE id = '${record.id as string}'`);
      const stored = JSON.parse(row.kwargs as string) as { api_key: { $sealed: string } };
      expect(stored.api_key.$sealed.split(':').slice(0, 2)).toEqual(['v1', keyId(newKey)]);
    } finally {
      await rotated.close();
    }
  });

  it('refuses to start without SECRETS_KEY when a task declares a sensitive field, and refuses a bad key', async () => {
    await expect(createTestApp({ env: { SECRETS_KEY: '' }, taskModules: [VaultModule] })).rejects.toThrow(
      /^SECRETS_KEY must be set.*vault\.open.*password/,
    );
    await expect(createTestApp({ env: { SECRETS_KEY: 'dG9vIHNob3J0' } })).rejects.toThrow(/^SECRETS_KEY must be 32 random bytes in base64/);

    // The demo's own sensitive task is simply absent without a key: a first start needs no setting.
    const keyless = await createTestApp({ env: { SECRETS_KEY: '', ROLE: 'api' } });
    try {
      const caller = await createCaller(keyless.app, { permissions: ['demo.run'] });
      const tasks = await keyless.http().get(`${API}/tasks/available`).set('Authorization', caller.auth).expect(200);
      const names = (tasks.body as Array<{ task_name: string }>).map((task) => task.task_name);
      expect(names).toContain('demo.add');
      expect(names).not.toContain('demo.notify');
    } finally {
      await keyless.close();
    }
  });
});
