import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The process's Prometheus metrics, on a registry of its own (several apps may share a process in tests). */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'taskgate_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly executionsStarted = new Counter({
    name: 'taskgate_executions_started_total',
    help: 'Executions moved to running, by task',
    labelNames: ['task'] as const,
    registers: [this.registry],
  });

  readonly executionsFinished = new Counter({
    name: 'taskgate_executions_finished_total',
    help: 'Executions that reached a terminal status, by task and status',
    labelNames: ['task', 'status'] as const,
    registers: [this.registry],
  });

  readonly executionDuration = new Histogram({
    name: 'taskgate_execution_duration_seconds',
    help: 'Run time of finished executions (last attempt), by task',
    labelNames: ['task'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600],
    registers: [this.registry],
  });

  readonly queueJobs = new Gauge({
    name: 'taskgate_queue_jobs',
    help: 'Jobs in each BullMQ queue by state (read from Redis at scrape time)',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
  });

  readonly activeJobs = new Gauge({
    name: 'taskgate_worker_active_jobs',
    help: 'Executions this worker process is running now',
    registers: [this.registry],
  });

  readonly retentionRemoved = new Counter({
    name: 'taskgate_retention_removed_total',
    help: 'Rows the retention sweep of this process removed, by kind (executions, audit)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly retentionLastRun = new Gauge({
    name: 'taskgate_retention_last_run_timestamp_seconds',
    help: 'When this process last finished a retention sweep (Unix time; 0 until it has run one)',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'taskgate_' });
    // prom-client adds these sums as gauges named `*_total`, a suffix Prometheus keeps for counters
    // (`promtool check metrics` rejects them); `sum(taskgate_nodejs_active_handles)` etc. give the same.
    for (const sum of ['handles', 'requests', 'resources']) this.registry.removeSingleMetric(`taskgate_nodejs_active_${sum}_total`);
    // Both series exist from the start, at 0, so a rate over them is defined before the first removal.
    for (const kind of ['executions', 'audit']) this.retentionRemoved.inc({ kind }, 0);
  }
}
