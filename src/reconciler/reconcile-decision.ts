import type { ExecutionStatus } from '../executions/execution-status';
import { takeoverAllowed } from '../executions/takeover-rule';

/** Job states in which BullMQ will still start the job (or is running it): nothing to repair. */
const LIVE_JOB_STATES = new Set(['waiting', 'delayed', 'active', 'prioritized', 'waiting-children']);

export type ReconcileAction =
  /** The record and its job agree, or a worker will sort it out. */
  | 'leave'
  /** Pending with no job: add it (same job id, so never a second job). */
  | 'enqueue'
  /** Its job is finished while the record is not: remove that job, put the record back to pending and add it again. */
  | 'requeue'
  /** Running, its job finished or gone, no attempt left: the record ends `failed`. */
  | 'fail';

export interface ReconcileCandidate {
  status: ExecutionStatus;
  attempts: number;
  maxAttempts: number;
}

/** What a record left alone past the grace period needs, given its job's state in Redis. */
export function decide(record: ReconcileCandidate, jobState: string): ReconcileAction {
  if (LIVE_JOB_STATES.has(jobState)) return 'leave';
  if (record.status === 'pending') return jobState === 'unknown' ? 'enqueue' : 'requeue';
  if (record.status !== 'running') return 'leave';
  return takeoverAllowed(record.attempts, record.maxAttempts) ? 'requeue' : 'fail';
}
