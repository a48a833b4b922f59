import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../test/support/processes';

export const ROOT = join(__dirname, '..');
const MAIN = join(ROOT, 'dist', 'main.js');
const CLI = join(ROOT, 'dist', 'cli.js');

/** A gateway process started from the production build (`node dist/main.js`). */
export class GatewayProcess {
  private output = '';
  private peakRss = 0;
  private sampler?: NodeJS.Timeout;
  readonly exited: Promise<number | null>;

  private constructor(
    readonly role: string,
    readonly port: number,
    private readonly child: ChildProcess,
  ) {
    child.stdout!.on('data', (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-20_000)));
    child.stderr!.on('data', (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-20_000)));
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  /** Starts it and waits for its probe to answer; `readyMs` is the time from spawn to that answer. */
  static async start(role: 'all' | 'api' | 'worker', env: Record<string, string>, nodeArgs: string[] = []): Promise<{ process: GatewayProcess; readyMs: number }> {
    const port = await freePort();
    const started = performance.now();
    const child = spawn(process.execPath, [...nodeArgs, MAIN], {
      env: { PATH: process.env.PATH ?? '', ...env, ROLE: role, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const gateway = new GatewayProcess(role, port, child);
    // An API process is ready when it can take executes (database and Redis answer); a worker when its probe does.
    const probe = role === 'worker' ? '/health/live' : '/health/ready';
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${role} process exited with ${child.exitCode}:\n${gateway.output}`);
      if (await answers200(`${gateway.url}${probe}`)) break;
      if (performance.now() - started > 60_000) throw new Error(`${role} process not ready after 60 s:\n${gateway.output}`);
      await sleep(10);
    }
    return { process: gateway, readyMs: performance.now() - started };
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resident set size now, in MiB. */
  rssMib(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return kib / 1024;
  }

  /** Samples the RSS every 200 ms until `stopSampling`, which answers the peak. */
  startSampling(): void {
    this.peakRss = this.rssMib();
    this.sampler = setInterval(() => (this.peakRss = Math.max(this.peakRss, this.rssMib())), 200);
  }

  stopSampling(): number {
    clearInterval(this.sampler);
    return Math.max(this.peakRss, this.rssMib());
  }

  async stop(): Promise<void> {
    clearInterval(this.sampler);
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }
}

/** `node dist/cli.js …`; throws with its output when it fails; answers its stdout. */
export function runCli(env: Record<string, string>, ...args: string[]): string {
  const result = spawnSync(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`cli ${args[0]} failed (${result.status}): ${result.stderr}${result.stdout}`);
  return result.stdout.trim();
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
