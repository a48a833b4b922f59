import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pollUntil, PollTimeoutError } from './wait-for';

export interface SpawnOptions {
  /** The child's whole environment, over PATH: nothing of the test's own leaks in. */
  env?: Record<string, string>;
  cwd?: string;
  /** Also write the output to a file in the temp directory, to read after a long run fails. */
  logFile?: boolean;
  /** Keep only the last this many characters of output (long benchmark runs log a lot). */
  keepChars?: number;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A child process whose output is kept, to wait on and to show when a spec fails. Stopped by its pid only. */
export class ManagedProcess {
  readonly exited: Promise<Exit>;
  readonly logPath?: string;
  private all = '';
  private out = '';

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
    options: SpawnOptions,
  ) {
    let log: WriteStream | undefined;
    if (options.logFile) {
      this.logPath = join(tmpdir(), `taskgate-${name}-${child.pid}.log`);
      log = createWriteStream(this.logPath);
    }
    const keep = (text: string) => (options.keepChars ? text.slice(-options.keepChars) : text);
    child.stdout!.on('data', (chunk: Buffer) => {
      this.all = keep(this.all + chunk.toString());
      this.out = keep(this.out + chunk.toString());
      log?.write(chunk);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      this.all = keep(this.all + chunk.toString());
      log?.write(chunk);
    });
    this.exited = new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        log?.end();
        resolve({ code, signal });
      }),
    );
  }

  static spawn(name: string, command: string, args: string[], options: SpawnOptions = {}): ManagedProcess {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new ManagedProcess(name, child, options);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Standard output and error, interleaved as they came. */
  output(): string {
    return this.all;
  }

  stdout(): string {
    return this.out;
  }

  /** Waits for `pattern` in the output; fails at once, with the output, if the process exits first. */
  async waitForOutput(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    const seen = await pollUntil(
      () => ({ match: this.all.match(pattern), running: this.running }),
      (read) => read.match !== null || !read.running,
      {
        timeoutMs,
        intervalMs: 50,
      },
    ).catch((error: unknown) => {
      if (error instanceof PollTimeoutError) return { match: null };
      throw error;
    });
    if (seen.match) return seen.match;
    const where = this.logPath ? `; its output is in ${this.logPath}` : '';
    throw new Error(`${this.name} (pid ${this.pid}) never printed ${pattern}${where}:\n${this.all.slice(-4000)}`);
  }

  /** Sends `signal` to this child (by its pid, nothing else); SIGKILL if it has not exited after `killAfterMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', killAfterMs = 15_000): Promise<Exit> {
    if (!this.running) return this.exited;
    this.child.kill(signal);
    const escalation = setTimeout(() => this.running && this.child.kill('SIGKILL'), killAfterMs);
    const exit = await this.exited;
    clearTimeout(escalation);
    return exit;
  }
}

/** A TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
