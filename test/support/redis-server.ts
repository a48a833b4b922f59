import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, ManagedProcess } from './managed-process';

export interface RedisOptions {
  /** Default: a free one. */
  port?: number;
  /** Append-only file on: what was acknowledged survives a restart. */
  aof?: boolean;
  /** Output kept in a log file too (long reliability runs). */
  logFile?: boolean;
}

/** A Redis of the spec's own, on a free port and its own directory, to stop and restart at will. */
export class RedisServer {
  private process: ManagedProcess | undefined;

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly options: RedisOptions,
  ) {}

  static async start(options: RedisOptions = {}): Promise<RedisServer> {
    const server = new RedisServer(options.port ?? (await freePort()), mkdtempSync(join(tmpdir(), 'taskgate-redis-')), options);
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** Starts it again on the same port and directory (an AOF is read back). */
  async restart(): Promise<void> {
    if (this.process?.running) throw new Error(`redis on port ${this.port} is still running`);
    const persistence = this.options.aof ? ['--appendonly', 'yes', '--appendfsync', 'everysec'] : ['--appendonly', 'no'];
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', ...persistence];
    this.process = ManagedProcess.spawn(`redis-${this.port}`, 'redis-server', args, { logFile: this.options.logFile });
    await this.process.waitForOutput(/Ready to accept connections/, 30_000);
  }

  /** SIGTERM lets Redis finish its AOF; SIGKILL is a crash. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await this.process?.stop(signal);
  }
}
