import { Cluster } from './cluster';
import { ManagedProcess } from '../../support/managed-process';

export interface WorkerDeath {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  at: Date;
}

/** Keeps `count` worker processes alive, as a process manager would: one that exits is replaced. */
export class WorkerSupervisor {
  readonly deaths: WorkerDeath[] = [];
  private stopped = false;

  constructor(
    private readonly cluster: Cluster,
    private readonly count: number,
  ) {}

  async start(): Promise<void> {
    await Promise.all(Array.from({ length: this.count }, () => this.startOne()));
  }

  /** No more replacements; the cluster stops the workers still running. */
  stop(): void {
    this.stopped = true;
  }

  private async startOne(): Promise<void> {
    const worker = await this.cluster.startWorker();
    void this.replaceWhenGone(worker);
  }

  private async replaceWhenGone(worker: ManagedProcess): Promise<void> {
    const { code, signal } = await worker.exited;
    this.deaths.push({ pid: worker.pid, code, signal, at: new Date() });
    if (this.stopped) return;
    // A replacement that fails to start is retried, like a process manager would.
    for (;;) {
      try {
        return await this.startOne();
      } catch (error) {
        if (this.stopped) return;
        console.warn(`supervisor: a replacement worker failed to start: ${(error as Error).message}`);
      }
    }
  }
}
