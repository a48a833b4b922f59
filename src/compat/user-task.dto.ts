import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { WholeNumberQuery } from '../common/whole-number-query';
import { iso } from '../executions/dto/execution.dto';
import type { Execution } from '../executions/execution.entity';
import { ExecutionStatus, isTerminal } from '../executions/execution-status';
import { USER_TASK_STATUSES } from './seed-statuses';

/** The resource that ties an execution to a learning path: `learning_path:<n>`. */
export const LEARNING_PATH_RESOURCE = 'learning_path:';

/** `UserTaskResponse` of the user task status API (seed 001). */
export class UserTaskDto {
  @ApiProperty({ format: 'uuid', description: 'the execution id' }) task_id: string;
  @ApiProperty({ format: 'uuid', description: 'the owner (principal) id' }) user_id: string;
  @ApiProperty({ type: Number, nullable: true, description: 'n of a `learning_path:<n>` resource' }) learning_path_id: number | null;
  @ApiProperty({ enum: USER_TASK_STATUSES.words }) status: string;
  @ApiProperty({ type: String, nullable: true }) stage: string | null;
  @ApiProperty({ minimum: 0, maximum: 100, example: 45.0 }) progress: number;
  @ApiProperty({ type: Number, nullable: true }) total_items: number | null;
  @ApiProperty() completed_items: number;
  @ApiProperty({ type: String, nullable: true, description: 'short message on completion or failure; says so when cancelled' })
  result_message: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'the traceback (or error) of a failed or timed-out task' })
  error_details: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) started_at: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) ended_at: string | null;
  @ApiProperty({ format: 'uuid', description: 'the same as task_id' }) id: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

/** Query of `GET /api/tasks/users/me`. */
export class UserTasksQuery {
  @ApiPropertyOptional({ minimum: 0, default: 0 })
  @WholeNumberQuery('skip', 0)
  skip?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @WholeNumberQuery('limit', 1, 100)
  limit?: number;
}

/** What a finished task without a message of its own says. */
const ENDED_MESSAGES: Partial<Record<ExecutionStatus, string>> = {
  completed: 'Task completed successfully.',
  failed: 'Task failed during execution.',
  timeout: 'Task timed out.',
};

export function toUserTaskDto(e: Execution): UserTaskDto {
  const pathNumber = e.resource?.startsWith(LEARNING_PATH_RESOURCE) ? e.resource.slice(LEARNING_PATH_RESOURCE.length) : '';
  const failed = e.status === 'failed' || e.status === 'timeout';
  return {
    task_id: e.id,
    user_id: e.ownerId,
    learning_path_id: /^\d{1,15}$/.test(pathNumber) ? Number(pathNumber) : null,
    status: USER_TASK_STATUSES.shown[e.status],
    stage: e.stage,
    progress: e.progress,
    total_items: e.totalItems,
    completed_items: e.completedItems ?? 0,
    // The seed knows no cancelled status: the task reads failed, and its message says why.
    result_message: e.status === 'cancelled' ? 'Task was cancelled.' : (e.message ?? ENDED_MESSAGES[e.status] ?? null),
    error_details: failed ? (e.traceback ?? e.error) : null,
    started_at: iso(e.startedAt),
    ended_at: isTerminal(e.status) ? iso(e.completedAt) : null,
    id: e.id,
    created_at: e.createdAt.toISOString(),
    updated_at: e.updatedAt.toISOString(),
  };
}
