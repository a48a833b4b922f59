import { Injectable } from '@nestjs/common';
import { Metrics } from '../metrics/metrics';
import { CancelRequested } from './run-abort';

/** The runs this process is executing now, so a cancel request can reach their handlers. */
@Injectable()
export class RunningExecutions {
  private readonly runs = new Map<string, AbortController>();

  constructor(private readonly metrics: Metrics) {}

  add(executionId: string, controller: AbortController): void {
    this.runs.set(executionId, controller);
    this.metrics.activeJobs.set(this.runs.size);
  }

  remove(executionId: string): void {
    this.runs.delete(executionId);
    this.metrics.activeJobs.set(this.runs.size);
  }

  /** True when the run is here (and its signal now fired). */
  cancel(executionId: string): boolean {
    const controller = this.runs.get(executionId);
    if (!controller) return false;
    if (!controller.signal.aborted) controller.abort(new CancelRequested());
    return true;
  }

  get size(): number {
    return this.runs.size;
  }
}
