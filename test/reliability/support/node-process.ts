import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A child process whose output is kept in memory and in a log file, to read when a spec fails. */
export class ManagedProcess {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly logPath: string;
  private text = '';

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    this.logPath = join(tmpdir(), `taskgate-rel-${name}-${child.pid}.log`);
    const log = createWriteStream(this.logPath);
    const keep = (chunk: Buffer) => {
      this.text += chunk.toString();
      log.write(chunk);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.exited = new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        log.end();
        resolve({ code, signal });
      }),
    );
  }

  static spawn(name: string, command: string, args: string[], env: Record<string, string>, cwd?: string): ManagedProcess {
    const child = spawn(command, args, { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    return new ManagedProcess(name, child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  output(): string {
    return this.text;
  }

  async waitForOutput(pattern: RegExp, timeoutMs = 90_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const match = this.text.match(pattern);
      if (match) return match;
      if (!this.running) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${this.name} (pid ${this.pid}) never printed ${pattern}; its output is in ${this.logPath}:\n${this.text.slice(-4000)}`);
  }

  /** Sends `signal` to this child (by its pid, nothing else); SIGKILL if it has not exited after `killAfterMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', killAfterMs = 15_000): Promise<void> {
    if (!this.running) return;
    this.child.kill(signal);
    const timer = setTimeout(() => this.running && this.child.kill('SIGKILL'), killAfterMs);
    await this.exited;
    clearTimeout(timer);
  }
}
