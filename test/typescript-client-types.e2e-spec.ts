import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ts from 'typescript';
import { ROOT } from './support/processes';

const CLIENT = JSON.stringify(join(ROOT, 'clients', 'typescript', 'src', 'index.js'));
const HEADER = `import { createTaskgateClient } from ${CLIENT};
const client = createTaskgateClient({ baseUrl: 'http://localhost:3000', token: 'tgw_…' });
`;

/** Calls a caller writes: each must type-check. */
const ACCEPTED = `${HEADER}
export async function calls(): Promise<unknown[]> {
  const run = await client.execute('demo.add', { a: 1, b: 2 });
  const result = run.ended ? run.execution.result : run.accepted.status;
  await client.execute('demo.sleep', { ms: 10 }, { wait: 5, idempotencyKey: 'k', resource: 'r', priority: 80, delay_ms: 0 });
  const page = await client.list({ status: ['failed'], task_name: 'demo.add', limit: 10, order: 'asc' });
  const record = await client.get(page.items[0].id, { wait: 1 });
  const status: 'awaiting_approval' | 'pending' | 'running' | 'completed' | 'failed' | 'cancelled' | 'timeout' = record.status;
  const me = await client.api.GET('/api/v1/me');
  return [result, status, me.data?.principal.name];
}
`;

/** One mistake a line, each with what the compiler says: each line must be refused for its reason, and nothing else. */
const REFUSED: Array<[string, string]> = [
  ["client.execute('demo.add', { a: 'x', b: 2 });", "Type 'string' is not assignable to type 'number'"],
  ["client.execute('demo.add', { a: 1 });", "Property 'b' is missing"],
  ["client.execute('demo.add', { a: 1, b: 2, c: 3 });", "'c' does not exist"],
  ["client.execute('demo.nope', { a: 1, b: 2 });", "not assignable to parameter of type 'keyof TaskKwargs'"],
  ["client.execute('demo.fail', { a: 1, b: 2 });", "'a' does not exist in type '{ message: string; }'"],
  ["client.execute('demo.add', { a: 1, b: 2 }, { wait: 'soon' });", "Type 'string' is not assignable to type 'number'"],
  ["client.get('id', { wait: '5' });", "Type 'string' is not assignable to type 'number'"],
  ["client.list({ status: 'failed' });", "Type 'string' is not assignable to type 'string[]'"],
  ["client.list({ colour: 'red' });", "'colour' does not exist"],
  ["client.api.GET('/api/v1/nope', {});", '"/api/v1/nope"'],
];

/** Every error in `fileName`, with its line. */
function diagnosticsOf(program: ts.Program, fileName: string): Array<{ line: number; text: string }> {
  return ts.getPreEmitDiagnostics(program, program.getSourceFile(fileName)).map((d) => ({
    line: d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0,
    text: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
  }));
}

describe('the TypeScript client’s types (e2e)', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'taskgate-client-types-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts a task with its kwargs alone, and refuses wrong kwargs, unknown tasks, options and routes', async () => {
    const accepted = join(dir, 'accepted.ts');
    const refused = join(dir, 'refused.ts');
    await writeFile(accepted, ACCEPTED);
    await writeFile(refused, `${HEADER}export function calls(): void {\n${REFUSED.map(([line]) => `  void ${line}`).join('\n')}\n}\n`);
    const program = ts.createProgram([accepted, refused], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      types: [],
    });

    expect(diagnosticsOf(program, accepted)).toEqual([]);
    const firstLine = HEADER.split('\n').length + 1;
    const refusals = diagnosticsOf(program, refused);
    const reasons = REFUSED.map(([line], i) => [line, refusals.filter((d) => d.line === firstLine + i).map((d) => d.text)]);
    expect(reasons).toEqual(REFUSED.map(([line, reason]) => [line, [expect.stringContaining(reason)]]));
    expect(refusals.filter((d) => d.line < firstLine || d.line >= firstLine + REFUSED.length)).toEqual([]); // nothing else
  });
});
