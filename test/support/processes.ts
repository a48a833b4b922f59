import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ManagedProcess } from './managed-process';
import { pollUntil } from './wait-for';

export { freePort } from './managed-process';

export const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const MAIN = join(ROOT, 'dist', 'main.js');

/** The flags the gateway ships with (package.json's start scripts, the Dockerfile), so tests and the bench run it as shipped. */
export const GATEWAY_NODE_ARGS = ['--max-old-space-size=512'];

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/cli.js …` with the given environment (and nothing of the test's own). */
export function runCli(env: Record<string, string>, ...args: string[]): CliResult {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A gateway process from the production build (`node dist/main.js`); `nodeArgs` go before the script. */
export function startGateway(env: Record<string, string>, options: { nodeArgs?: string[]; keepChars?: number } = {}): ManagedProcess {
  const name = `gateway-${env.ROLE ?? 'all'}`;
  return ManagedProcess.spawn(name, process.execPath, [...GATEWAY_NODE_ARGS, ...(options.nodeArgs ?? []), MAIN], {
    env,
    keepChars: options.keepChars,
  });
}

/** A worker process that also registers the fixture tasks, on the given environment. */
export function startFixtureWorker(env: Record<string, string>): ManagedProcess {
  return startTestScript('fixture-worker', env);
}

/** A script of `test/support/<name>.ts`, run from source by ts-node in a process of its own. */
export function startTestScript(name: string, env: Record<string, string>): ManagedProcess {
  const args = ['-r', 'ts-node/register/transpile-only', join(ROOT, 'test', 'support', `${name}.ts`)];
  return ManagedProcess.spawn(name, process.execPath, args, { env, cwd: ROOT });
}

/** Waits until `url` answers 200; fails at once if `owner` exits meanwhile. */
export async function waitForHttp200(url: string, owner: ManagedProcess, timeoutMs = 60_000): Promise<void> {
  const answered = await pollUntil(
    async () => (owner.running ? answers200(url) : 'exited'),
    (answer) => answer !== false,
    { timeoutMs, intervalMs: 10 },
  ).catch(() => false);
  if (answered !== true)
    throw new Error(`${owner.name} ${answered === 'exited' ? 'exited' : 'did not answer'} on ${url}:\n${owner.output().slice(-4000)}`);
}

async function answers200(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}
