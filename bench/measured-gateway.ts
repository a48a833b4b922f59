import { readFileSync } from 'node:fs';
import { freePort, ManagedProcess } from '../test/support/managed-process';
import { startGateway, waitForHttp200 } from '../test/support/processes';

/** A gateway process from the production build whose start-up time and memory are measured. */
export class MeasuredGateway {
  private peakRss = 0;
  private sampler?: NodeJS.Timeout;

  private constructor(
    readonly role: string,
    readonly port: number,
    readonly process: ManagedProcess,
  ) {}

  /** Starts it and waits for its probe to answer; `readyMs` is the time from spawn to that answer. */
  static async start(
    role: 'all' | 'api' | 'worker',
    env: Record<string, string>,
    nodeArgs: string[] = [],
  ): Promise<{ gateway: MeasuredGateway; readyMs: number }> {
    const port = await freePort();
    const started = performance.now();
    const child = startGateway({ ...env, ROLE: role, PORT: String(port) }, { nodeArgs, keepChars: 20_000 });
    const gateway = new MeasuredGateway(role, port, child);
    // An API process is ready when it can take executes (database and Redis answer); a worker when its probe does.
    await waitForHttp200(`${gateway.url}${role === 'worker' ? '/health/live' : '/health/ready'}`, child);
    return { gateway, readyMs: performance.now() - started };
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.process.pid;
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

  /** SIGTERM; a process started with --cpu-prof writes its profile on the way out, so it gets time. */
  async stop(): Promise<void> {
    clearInterval(this.sampler);
    await this.process.stop('SIGTERM', 120_000);
  }
}
