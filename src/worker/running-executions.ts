import { Injectable } from '@nestjs/common';
import { Metrics } from '../metrics/metrics';
import { CancelRequested } from './run-abort';

/** How long a cancel for a run not (yet) here is kept: far longer than a claim takes. */
const UNCLAIMED_CANCEL_MS = 30_000;
const MAX_UNCLAIMED = 10_000;

/** The runs this process is executing now, so a cancel request can reach their handlers. */
@Injectable()
export class RunningExecutions {
  private readonly runs = new Map<string, AbortController>();
  /** Cancels heard for executions not running here, by when: every worker hears every cancel. */
  private readonly unclaimed = new Map<string, number>();

  constructor(private readonly metrics: Metrics) {}

  add(executionId: string, controller: AbortController): void {
    this.runs.set(executionId, controller);
    this.metrics.activeJobs.set(this.runs.size);
    // A cancel heard between the claim and now found no run to abort: it applies now.
    if (this.unclaimed.delete(executionId)) controller.abort(new CancelRequested());
  }

  remove(executionId: string): void {
    this.runs.delete(executionId);
    this.metrics.activeJobs.set(this.runs.size);
  }

  /**
   * True when the run is here (and its signal now fired). Otherwise the cancel is kept for a while:
   * a worker that has just claimed the execution may not have registered its run yet.
   */
  cancel(executionId: string, now = Date.now()): boolean {
    const controller = this.runs.get(executionId);
    if (!controller) {
      this.rememberUnclaimed(executionId, now);
      return false;
    }
    if (!controller.signal.aborted) controller.abort(new CancelRequested());
    return true;
  }

  private rememberUnclaimed(executionId: string, now: number): void {
    for (const [id, heardAt] of this.unclaimed) {
      if (now - heardAt < UNCLAIMED_CANCEL_MS && this.unclaimed.size < MAX_UNCLAIMED) break;
      this.unclaimed.delete(id); // oldest first (insertion order)
    }
    this.unclaimed.set(executionId, now);
  }

  get size(): number {
    return this.runs.size;
  }
}
