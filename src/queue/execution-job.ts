/** The job carries only the execution id: inputs live in the execution record. */
export interface ExecutionJobData {
  executionId: string;
  /** Attempts the record had counted when this job was added (a re-enqueue by the reconciler). */
  attemptsBefore?: number;
}

/** How many attempts the record counts once the job's current start is one of them. */
export function attemptsWithThisStart(data: ExecutionJobData, attemptsStarted: number): number {
  return (data.attemptsBefore ?? 0) + attemptsStarted;
}

export const EXECUTION_JOB_NAME = 'execute';

/** What the queue reads of an execution record to build its job. */
export interface QueuedRecord {
  id: string;
  queue: string;
  attempts: number;
  maxAttempts: number;
  priority: number | null;
}

/** Callers say 1 (least) … 100 (most urgent); BullMQ runs its lowest number first. */
export function toBullPriority(priority: number): number {
  return 101 - priority;
}

export const DEFAULT_PRIORITY = 50;
