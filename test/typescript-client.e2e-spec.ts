import { randomUUID } from 'node:crypto';
import { createTaskgateClient, TaskgateClient, TaskgateError } from '../clients/typescript/src';
import { loadAppConfig } from '../src/config/load-app-config';
import { ManagedProcess } from './support/managed-process';
import { freePort, runCli, startGateway, waitForHttp200 } from './support/processes';
import { assertNoTokenLogged, deleteQueueKeys } from './support/test-app';
import { createEmptyDatabase, testEnv } from './support/test-config';

const WAIT_S = 20;

/** The error a call rejected with, to assert on its fields. */
async function rejection(call: Promise<unknown>): Promise<TaskgateError> {
  const error = await call.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof TaskgateError)) throw new Error(`expected a TaskgateError, got ${String(error)}`);
  return error;
}

describe('the TypeScript client against a running gateway (e2e)', () => {
  let env: Record<string, string>;
  let database: { url: string; drop: () => Promise<void> };
  let gateway: ManagedProcess;
  let client: TaskgateClient;
  let outsider: TaskgateClient;
  const requested: string[] = [];

  beforeAll(async () => {
    database = await createEmptyDatabase();
    env = { ...testEnv(), DATABASE_URL: database.url };
    expect(runCli(env, 'migrate').status).toBe(0);
    runCli(env, 'principal:create', 'runner', '--permission', 'demo.run');
    runCli(env, 'principal:create', 'outsider');
    const token = runCli(env, 'token:create', 'runner').stdout.trim();
    const outsiderToken = runCli(env, 'token:create', 'outsider').stdout.trim();

    const port = await freePort();
    gateway = startGateway({ ...env, PORT: String(port) });
    const baseUrl = `http://127.0.0.1:${port}`;
    await waitForHttp200(`${baseUrl}/health/ready`, gateway);
    const recording = (request: Request) => {
      requested.push(`${request.method} ${new URL(request.url).pathname}${new URL(request.url).search}`);
      return fetch(request);
    };
    client = createTaskgateClient({ baseUrl, token, fetch: recording });
    outsider = createTaskgateClient({ baseUrl, token: outsiderToken });
  }, 90_000);

  afterAll(async () => {
    await gateway?.stop();
    await database?.drop();
    await deleteQueueKeys(loadAppConfig(env));
    assertNoTokenLogged(env.LOG_FILE);
  });

  it('executes with `wait` and answers the finished record, through the given fetch', async () => {
    const run = await client.execute('demo.add', { a: 2, b: 3 }, { wait: WAIT_S });

    expect(run).toMatchObject({
      ended: true,
      execution: { task_name: 'demo.add', status: 'completed', result: 5, kwargs: { a: 2, b: 3 } },
    });
    expect(run.execution_id).toEqual(run.ended && run.execution.id);
    expect(requested).toContain(`POST /api/v1/tasks/execute?wait=${WAIT_S}`);
  });

  it('executes without waiting, then `get` with `wait` answers once the execution ends', async () => {
    const run = await client.execute('demo.add', { a: 40, b: 2 }, { resource: 'invoice-7', idempotencyKey: 'client-e2e-1' });
    expect(run).toMatchObject({ ended: false, accepted: { status: 'pending' } });

    const record = await client.get(run.execution_id, { wait: WAIT_S });
    expect(record).toMatchObject({ id: run.execution_id, status: 'completed', result: 42, resource: 'invoice-7' });
    expect(record.idempotency_key).toBe('client-e2e-1');
    // The same key and body: the same execution.
    expect(
      (await client.execute('demo.add', { a: 40, b: 2 }, { resource: 'invoice-7', idempotencyKey: 'client-e2e-1' })).execution_id,
    ).toBe(run.execution_id);
  });

  it('lists with a filter', async () => {
    const failed = await client.execute('demo.fail', { message: 'on purpose' }, { wait: WAIT_S });
    expect(failed).toMatchObject({ ended: true, execution: { status: 'failed' } });

    const page = await client.list({ status: ['failed', 'timeout'], task_name: 'demo.fail', limit: 10 });
    expect(page.items.map((item) => item.id)).toEqual([failed.execution_id]);
    expect(page.next_cursor).toBeNull();
    expect(requested).toContain('GET /api/v1/executions?status=failed,timeout&task_name=demo.fail&limit=10');

    const tagged = await client.list({ resource: 'invoice-7', order: 'asc' });
    expect(tagged.items).toEqual([expect.objectContaining({ task_name: 'demo.add', resource: 'invoice-7', result: 42 })]);
  });

  it('throws a TaskgateError with the status and the API’s error body', async () => {
    const missing = await rejection(client.get(randomUUID()));
    expect(missing).toMatchObject({ status: 404, body: { statusCode: 404, error: 'Not Found' } });

    const forbidden = await rejection(outsider.execute('demo.add', { a: 1, b: 2 }));
    expect(forbidden).toMatchObject({ status: 403, body: { statusCode: 403, error: 'Forbidden' } });
    expect(forbidden.message).toMatch(/^403 Forbidden: .*demo\.run/);

    // What the types forbid still reaches the server from untyped callers: every field named.
    const invalid = await rejection(client.execute('demo.add', { a: 'x' } as never));
    expect(invalid).toMatchObject({
      status: 400,
      body: { statusCode: 400, message: expect.arrayContaining([expect.stringMatching(/b/)]) },
    });

    // Another principal's execution is answered like a missing one.
    const [someone] = (await client.list({ limit: 1 })).items;
    expect((await rejection(outsider.get(someone.id))).status).toBe(404);
  });
});
