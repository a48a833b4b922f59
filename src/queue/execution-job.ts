/** The job carries only the execution id: inputs live in the execution record. */
export interface ExecutionJobData {
  executionId: string;
}

export const EXECUTION_JOB_NAME = 'execute';

/** Callers say 1 (least) … 100 (most urgent); BullMQ runs its lowest number first. */
export function toBullPriority(priority: number): number {
  return 101 - priority;
}

export const DEFAULT_PRIORITY = 50;
