import { Injectable } from '@nestjs/common';
import { Execution } from './execution.entity';
import { isTerminal } from './execution-status';
import { Metrics } from '../metrics/metrics';

/** Counts execution state changes where they happen (the worker or API process that made them). */
@Injectable()
export class ExecutionMetrics {
  constructor(private readonly metrics: Metrics) {}

  observe(execution: Execution): void {
    const task = execution.taskName;
    if (execution.status === 'running') this.metrics.executionsStarted.inc({ task });
    if (isTerminal(execution.status)) {
      this.metrics.executionsFinished.inc({ task, status: execution.status });
      if (execution.durationMs !== null) this.metrics.executionDuration.observe({ task }, execution.durationMs / 1000);
    }
  }
}
