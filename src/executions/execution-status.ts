export const EXECUTION_STATUSES = ['awaiting_approval', 'pending', 'running', 'completed', 'failed', 'cancelled', 'timeout'] as const;

/** Awaiting approval (SPEC 7.11) counts as pending wherever counts are kept by the caller's words. */
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

export const TERMINAL_STATUSES: readonly ExecutionStatus[] = ['completed', 'failed', 'cancelled', 'timeout'];

export function isTerminal(status: ExecutionStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** The statuses counts are kept under: an execution awaiting approval counts as pending (SPEC 7.11). */
export type CountedStatus = Exclude<ExecutionStatus, 'awaiting_approval'>;
export const COUNTED_STATUSES = EXECUTION_STATUSES.filter((status): status is CountedStatus => status !== 'awaiting_approval');

export function countedAs(status: ExecutionStatus): CountedStatus {
  return status === 'awaiting_approval' ? 'pending' : status;
}
