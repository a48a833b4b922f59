import type { ExecutionStatus } from '../executions/execution-status';

/**
 * The status words of each seed API, both ways: what an execution's status is shown as, and which
 * statuses a filter word selects (a word that stands for two statuses selects both).
 */
export interface StatusWords<W extends string> {
  shown: Record<ExecutionStatus, W>;
  words: readonly W[];
  /** The statuses a filter word selects; undefined for a word the API does not know. */
  selects(word: string): ExecutionStatus[] | undefined;
}

function statusWords<W extends string>(shown: Record<ExecutionStatus, W>, aliases: Record<string, W> = {}): StatusWords<W> {
  const words = [...new Set(Object.values(shown))];
  return {
    shown,
    words,
    selects(word) {
      const meant = aliases[word] ?? (words.includes(word as W) ? (word as W) : undefined);
      if (meant === undefined) return undefined;
      return (Object.keys(shown) as ExecutionStatus[]).filter((status) => shown[status] === meant);
    },
  };
}

/** The seeds know no approvals (SPEC 7.11): an execution awaiting one is pending to them. */

/** The Django/Celery Task API (seed 002): Celery states; a timeout is a FAILURE. */
export const CELERY_STATES = statusWords({
  awaiting_approval: 'PENDING',
  pending: 'PENDING',
  running: 'STARTED',
  completed: 'SUCCESS',
  failed: 'FAILURE',
  timeout: 'FAILURE',
  cancelled: 'REVOKED',
});

/** The user task status API (seed 001): it has no cancelled, so a cancelled task is `failed` (its message says why). */
export const USER_TASK_STATUSES = statusWords({
  awaiting_approval: 'pending',
  pending: 'pending',
  running: 'running',
  completed: 'completed',
  failed: 'failed',
  timeout: 'timeout',
  cancelled: 'failed',
});

/** The `/api/v1/tasks` services (seeds 000 and 003): `processing` is running, a timeout is `failed`; seed 000 filtered by `running`. */
export const V1_TASK_STATUSES = statusWords(
  {
    awaiting_approval: 'pending',
    pending: 'pending',
    running: 'processing',
    completed: 'completed',
    failed: 'failed',
    timeout: 'failed',
    cancelled: 'cancelled',
  },
  { running: 'processing' },
);
