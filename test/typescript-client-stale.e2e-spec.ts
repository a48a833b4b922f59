import { execFile } from 'node:child_process';
import { createServer, Server } from 'node:http';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './support/processes';
import { createTestApp, TestApp } from './support/test-app';
import { testRedisUrl } from './support/test-config';

const COMMITTED = join(ROOT, 'clients', 'typescript', 'src');
const GENERATED = ['schema.ts', 'tasks.ts'];
const SCRIPT_MS = 60_000;

interface Document {
  paths: Record<string, unknown>;
  components: { schemas: Record<string, unknown> };
}

/**
 * `npm run client:generate -- <args>` minus its build step (the suite runs on a fresh build), as a
 * process: openapi-typescript loads ES modules that Jest on Node 20 cannot require.
 */
function generate(...args: string[]): Promise<{ status: number | null; stderr: string }> {
  const script = join(ROOT, 'scripts', 'generate-client.ts');
  const env = { PATH: process.env.PATH ?? '', REDIS_URL: testRedisUrl(), TMPDIR: tmpdir() };
  return new Promise((done) => {
    // Asynchronous: the document a run reads may be served from this process.
    const child = execFile(process.execPath, ['-r', 'ts-node/register/transpile-only', script, ...args], {
      cwd: ROOT,
      env,
      timeout: SCRIPT_MS,
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (status) => done({ status, stderr }));
  });
}

/** The generated files in `fresh` that differ from the committed ones, each with its first differing line. */
async function differences(fresh: string): Promise<string[]> {
  const found: string[] = [];
  for (const name of GENERATED) {
    const want = (await readFile(join(fresh, name), 'utf8')).split('\n');
    const have = (await readFile(join(COMMITTED, name), 'utf8').catch(() => '')).split('\n');
    const line = want.findIndex((text, i) => text !== have[i]);
    if (line >= 0 || want.length !== have.length) found.push(`${name} from line ${(line >= 0 ? line : want.length) + 1}`);
  }
  return found;
}

describe('the committed TypeScript client (e2e)', () => {
  let t: TestApp;
  let document: Document;
  let served: Document;
  let server: Server;
  let url: string;
  let dir: string;

  beforeAll(async () => {
    t = await createTestApp();
    document = (await t.http().get('/api/docs-json').expect(200)).body;
    server = createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify(served)));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/docs-json`;
    dir = await mkdtemp(join(tmpdir(), 'taskgate-client-'));
  });

  afterAll(async () => {
    await new Promise((done) => server.close(done));
    await rm(dir, { recursive: true, force: true });
    await t.close();
  });

  it(
    'is what `npm run client:generate` makes from the current source',
    async () => {
      const run = await generate('--out', dir); // starts dist/main.js on its own, as the npm script does
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
      expect((await readdir(dir)).sort()).toEqual(GENERATED);
      const stale = await differences(dir);
      if (stale.length > 0) {
        throw new Error(`clients/typescript/src is stale (${stale.join('; ')}): run \`npm run client:generate\` and commit the result`);
      }
    },
    SCRIPT_MS,
  );

  it(
    '`--check --url` passes on the document the gateway serves',
    async () => {
      served = document;
      const run = await generate('--check', '--url', url);
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    },
    SCRIPT_MS,
  );

  const removeRoute = (copy: Document) => delete copy.paths['/api/v1/executions/{id}/cancel'];
  const renameRoute = (copy: Document) => {
    copy.paths['/api/v1/runs/{id}'] = copy.paths['/api/v1/executions/{id}'];
    delete copy.paths['/api/v1/executions/{id}'];
  };
  const removeTask = (copy: Document) => delete copy.components.schemas['TaskKwargs.demo.fail'];
  it.each([
    ['a route is removed', removeRoute, /stale: schema\.ts in /],
    ['a route is renamed', renameRoute, /stale: schema\.ts in /],
    ['a task goes away', removeTask, /stale: schema\.ts, tasks\.ts in /],
  ])(
    'fails `--check` when %s, saying to run `npm run client:generate`',
    async (_change, mutate, files) => {
      served = structuredClone(document);
      mutate(served);
      const run = await generate('--check', '--url', url);
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(files);
      expect(run.stderr).toContain('run `npm run client:generate`');
    },
    SCRIPT_MS,
  );
});
