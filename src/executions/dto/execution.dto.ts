import { maskSealed } from '../../secrets/secrets-cipher';
import { Execution } from '../execution.entity';
import type { TaskStatisticsReport } from '../task-statistics';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { EXECUTION_STATUSES, type ExecutionStatus, isTerminal } from '../execution-status';

/** Any JSON value a task may return. Left to reflection, `unknown` is documented `type: object`, which clients read as an empty object. */
export const JSON_VALUE = [
  { type: 'object', additionalProperties: true },
  { type: 'array', items: {} },
  { type: 'string' },
  { type: 'number' },
  { type: 'boolean' },
];

export class AuthorizationDto {
  @ApiProperty() permission: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'null for admins' }) grant_id: string | null;
  @ApiProperty({ type: String, nullable: true, description: '`direct`, `group:<name>` or `admin`' }) via: string | null;
}

export class ApprovalVoteDto {
  @ApiProperty({ format: 'uuid' }) principal_id: string;
  @ApiProperty({ description: 'the approver’s name when voting' }) name: string;
  @ApiProperty({ enum: ['approve', 'reject'] }) decision: 'approve' | 'reject';
  @ApiProperty({ type: String, nullable: true }) comment: string | null;
  @ApiProperty({ format: 'date-time' }) at: string;
}

export class ApprovalRequirementDto {
  @ApiProperty() permission: string;
  @ApiProperty({ format: 'uuid' }) grant_id: string;
  @ApiProperty({ description: 'approvers: its members other than the requester' }) group: string;
  @ApiProperty({ minimum: 1, maximum: 10 }) quorum: number;
}

/** An execution as the API shows it: snake_case, ISO-8601 UTC timestamps. */
export class ExecutionDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'demo.add' }) task_name: string;
  @ApiProperty({ enum: EXECUTION_STATUSES }) status: ExecutionStatus;
  @ApiProperty({ type: 'array', items: {} }) args: unknown[];
  @ApiProperty({ type: 'object', additionalProperties: true }) kwargs: Record<string, unknown>;
  @ApiProperty({ description: 'the JSON result, once completed', nullable: true, oneOf: JSON_VALUE }) result: unknown;
  @ApiProperty({ type: String, nullable: true }) error: string | null;
  @ApiProperty({ type: String, nullable: true }) traceback: string | null;
  @ApiProperty({ minimum: 0, maximum: 100 }) progress: number;
  @ApiProperty({ type: String, nullable: true }) stage: string | null;
  @ApiProperty({ type: Number, nullable: true }) total_items: number | null;
  @ApiProperty({ type: Number, nullable: true }) completed_items: number | null;
  @ApiProperty({ type: String, nullable: true }) message: string | null;
  @ApiProperty({ type: String, nullable: true }) resource: string | null;
  @ApiProperty({ format: 'uuid' }) owner_id: string;
  @ApiProperty({ type: String, nullable: true }) job_id: string | null;
  @ApiProperty() attempts: number;
  @ApiProperty() max_attempts: number;
  @ApiProperty({ type: Number, nullable: true, minimum: 1, maximum: 100 }) priority: number | null;
  @ApiProperty() queue: string;
  @ApiProperty({ type: Number, nullable: true }) timeout_ms: number | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) retried_from: string | null;
  @ApiProperty({ type: String, nullable: true }) idempotency_key: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) cancel_requested_at: string | null;
  @ApiProperty({ type: String, nullable: true }) file_name: string | null;
  @ApiProperty({ type: Number, nullable: true }) file_size: number | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'https://hooks.example.com/taskgate',
    description: 'where the completion webhook goes',
  })
  callback_url: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) started_at: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) completed_at: string | null;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
  @ApiProperty({ type: Number, nullable: true }) duration_ms: number | null;
  @ApiProperty() is_complete: boolean;
  @ApiProperty({
    type: [AuthorizationDto],
    nullable: true,
    description: 'SPEC 7.12: the grant behind each permission the task needs (null for executions made before it was recorded)',
  })
  authorized_by: AuthorizationDto[] | null;
  @ApiProperty({ type: [ApprovalRequirementDto], description: 'SPEC 7.11: the approvals it waits or waited for; [] when it ran at once' })
  approval_required: ApprovalRequirementDto[];
  @ApiProperty({ type: [ApprovalVoteDto], description: 'SPEC 7.11: the votes cast on it, oldest first' })
  approvals: ApprovalVoteDto[];
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'when it is cancelled if still awaiting approval' })
  approval_deadline: string | null;
}

export class ExecutionAcceptedDto {
  @ApiProperty({ format: 'uuid' }) execution_id: string;
  @ApiProperty({ description: 'the BullMQ job id: the execution id' }) job_id: string;
  @ApiProperty({ enum: EXECUTION_STATUSES }) status: ExecutionStatus;
  @ApiProperty() message: string;
}

export class UploadAcceptedDto extends ExecutionAcceptedDto {
  @ApiProperty() file_name: string;
  @ApiProperty() file_size: number;
}

export class ExecutionPageDto {
  @ApiProperty({ type: [ExecutionDto] }) items: ExecutionDto[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'pass as `cursor` for the next page; null on the last (and with numbered pages)',
  })
  next_cursor: string | null;
  @ApiPropertyOptional({ description: 'numbered pages only (`page` or a `sort_by` other than created_at)', example: 1 }) page?: number;
  @ApiPropertyOptional({ description: 'numbered pages only', example: 20 }) page_size?: number;
  @ApiPropertyOptional({ description: 'numbered pages only: every visible execution matching the filters', example: 137 }) total?: number;
}

export class ExecutionStatisticsDto {
  @ApiProperty() total: number;
  @ApiProperty() pending: number;
  @ApiProperty() running: number;
  @ApiProperty() completed: number;
  @ApiProperty() failed: number;
  @ApiProperty() cancelled: number;
  @ApiProperty() timeout: number;
}

export class DurationPercentilesDto {
  @ApiProperty({ type: Number, nullable: true, example: 120 }) p50: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 790 }) p95: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 1000 }) max: number | null;
}

export class QueueWaitPercentilesDto {
  @ApiProperty({ type: Number, nullable: true, example: 35 }) p50: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 84 }) p95: number | null;
}

export class TaskStatisticsEntryDto extends ExecutionStatisticsDto {
  @ApiProperty({ example: 'demo.add' }) task_name: string;
  @ApiProperty({ description: 'ms, over finished executions; null when none', type: DurationPercentilesDto })
  duration_ms: DurationPercentilesDto;
  @ApiProperty({
    description: 'started_at − created_at in ms, over finished executions that started; null when none',
    type: QueueWaitPercentilesDto,
  })
  queue_wait_ms: QueueWaitPercentilesDto;
}

export class TaskStatisticsDto {
  @ApiProperty({ format: 'date-time' }) window_start: string;
  @ApiProperty({ format: 'date-time' }) window_end: string;
  @ApiProperty({ type: [TaskStatisticsEntryDto] }) tasks: TaskStatisticsEntryDto[];
}

export const iso = (date: Date | null): string | null => date?.toISOString() ?? null;

export function toExecutionDto(e: Execution): ExecutionDto {
  return {
    id: e.id,
    task_name: e.taskName,
    status: e.status,
    args: e.args,
    kwargs: maskSealed(e.kwargs),
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
    callback_url: e.callbackUrl,
    created_at: e.createdAt.toISOString(),
    started_at: iso(e.startedAt),
    completed_at: iso(e.completedAt),
    updated_at: e.updatedAt.toISOString(),
    duration_ms: e.durationMs,
    is_complete: isTerminal(e.status),
    authorized_by: e.authorizedBy ?? null,
    approval_required: e.approval?.requirements ?? [],
    approvals: (e.approval?.votes ?? []).map(listedVote),
    approval_deadline: iso(e.approvalDeadline ?? null),
  };
}

/** A vote as the record lists it (the record keeps, besides, the groups it counted for). */
function listedVote({ principal_id, name, decision, comment, at }: ApprovalVoteDto): ApprovalVoteDto {
  return { principal_id, name, decision, comment, at };
}

export function toTaskStatisticsDto(report: TaskStatisticsReport): TaskStatisticsDto {
  return {
    window_start: report.windowStart.toISOString(),
    window_end: report.windowEnd.toISOString(),
    tasks: report.tasks.map((task) => ({
      task_name: task.taskName,
      ...task.counts,
      duration_ms: task.durationMs,
      queue_wait_ms: task.queueWaitMs,
    })),
  };
}
