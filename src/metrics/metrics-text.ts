import { timingSafeEqual } from 'node:crypto';
import { ExecutionQueues } from '../queue/execution-queues';
import { TaskRegistry } from '../task-registry/task-registry';
import { Metrics } from './metrics';

const STATES = ['waiting', 'delayed', 'prioritized', 'active', 'completed', 'failed'] as const;

/** Reads the queue depths from Redis, then renders the text format. */
export async function renderMetrics(metrics: Metrics, registry: TaskRegistry, queues: ExecutionQueues): Promise<string> {
  for (const queue of registry.queues(1).keys()) {
    try {
      const counts = await queues.get(queue).getJobCounts(...STATES);
      for (const state of STATES) metrics.queueJobs.set({ queue, state }, counts[state] ?? 0);
    } catch {
      // Redis away: keep the last values; /health/ready reports the outage.
    }
  }
  return metrics.registry.metrics();
}

/** `METRICS_TOKEN` unset: open. Set: `Authorization: Bearer <METRICS_TOKEN>`, compared in constant time. */
export function metricsAuthorized(expected: string, header: string | undefined): boolean {
  if (!expected) return true;
  const given = Buffer.from(/^Bearer (.+)$/.exec(header ?? '')?.[1] ?? '');
  const wanted = Buffer.from(expected);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}
