import { Execution } from '../execution.entity';
import { ExecutionStatus, isTerminal } from '../execution-status';

/** An execution as the API shows it: snake_case, ISO-8601 UTC timestamps. */
export interface ExecutionDto {
  id: string;
  task_name: string;
  status: ExecutionStatus;
  args: unknown[];
  kwargs: Record<string, unknown>;
  result: unknown;
  error: string | null;
  traceback: string | null;
  progress: number;
  stage: string | null;
  total_items: number | null;
  completed_items: number | null;
  message: string | null;
  resource: string | null;
  owner_id: string;
  job_id: string | null;
  attempts: number;
  max_attempts: number;
  priority: number | null;
  queue: string;
  timeout_ms: number | null;
  retried_from: string | null;
  idempotency_key: string | null;
  cancel_requested_at: string | null;
  file_name: string | null;
  file_size: number | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  updated_at: string;
  duration_ms: number | null;
  is_complete: boolean;
}

export interface ExecutionAcceptedDto {
  execution_id: string;
  job_id: string;
  status: ExecutionStatus;
  message: string;
}

const iso = (date: Date | null): string | null => date?.toISOString() ?? null;

export function toExecutionDto(e: Execution): ExecutionDto {
  return {
    id: e.id,
    task_name: e.taskName,
    status: e.status,
    args: e.args,
    kwargs: e.kwargs,
    result: e.result ?? null,
    error: e.error,
    traceback: e.traceback,
    progress: e.progress,
    stage: e.stage,
    total_items: e.totalItems,
    completed_items: e.completedItems,
    message: e.message,
    resource: e.resource,
    owner_id: e.ownerId,
    job_id: e.jobId,
    attempts: e.attempts,
    max_attempts: e.maxAttempts,
    priority: e.priority,
    queue: e.queue,
    timeout_ms: e.timeoutMs,
    retried_from: e.retriedFrom,
    idempotency_key: e.idempotencyKey,
    cancel_requested_at: iso(e.cancelRequestedAt),
    file_name: e.fileName,
    file_size: e.fileSize,
    created_at: e.createdAt.toISOString(),
    started_at: iso(e.startedAt),
    completed_at: iso(e.completedAt),
    updated_at: e.updatedAt.toISOString(),
    duration_ms: e.durationMs,
    is_complete: isTerminal(e.status),
  };
}
