import { maskSealed } from '../secrets/secrets-cipher';
import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { WholeNumberQuery } from '../common/whole-number-query';
import { SORT_COLUMNS, type SortColumn } from '../executions/dto/list-executions.query';
import { UpdateExecutionDto } from '../executions/dto/update-execution.dto';
import type { Execution } from '../executions/execution.entity';
import type { ExecutionStatus } from '../executions/execution-status';
import { V1_TASK_STATUSES } from './seed-statuses';

/** A task object of the `/api/v1/tasks` services (seeds 000 and 003). */
export class V1TaskDto {
  @ApiProperty({ format: 'uuid' }) task_id: string;
  @ApiProperty({ enum: V1_TASK_STATUSES.words }) status: string;
  @ApiProperty({ description: 'the task’s last message, or one saying its status' }) message: string;
  @ApiProperty({ description: 'the task name', example: 'demo.checksum' }) type: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
  @ApiProperty({ type: String, nullable: true, description: 'always null: results are in the native record' }) result_id: null;
  @ApiProperty({ type: String, nullable: true }) error: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'the kwargs' }) metadata: Record<string, unknown>;
  @ApiProperty({ minimum: 0, maximum: 100 }) progress: number;
  @ApiProperty({ type: String, nullable: true }) file_name: string | null;
  @ApiProperty({ type: Number, nullable: true }) file_size: number | null;
}

/** Seed 003's page. */
export class V1TaskPageDto {
  @ApiProperty({ type: [V1TaskDto] }) items: V1TaskDto[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() page_size: number;
}

export class V1TaskStatisticsDto {
  @ApiProperty({ description: 'cancelled and timed-out tasks are counted here only' }) total: number;
  @ApiProperty() pending: number;
  @ApiProperty() processing: number;
  @ApiProperty() completed: number;
  @ApiProperty() failed: number;
}

export class V1UploadAcceptedDto {
  @ApiProperty({ format: 'uuid' }) task_id: string;
  @ApiProperty() file_name: string;
  @ApiProperty() file_size: number;
  @ApiProperty({ enum: ['pending'] }) status: 'pending';
}

/** Seed 003 sorts by its own field names too: `type` is the task name. */
export const V1_SORT_COLUMNS = [...SORT_COLUMNS, 'type'] as const;
const FILTER_WORDS = [...V1_TASK_STATUSES.words, 'running'];

/** Query of `GET /api/v1/tasks`: seed 000's `status` and `limit`, or seed 003's numbered pages. */
export class V1TaskListQuery {
  @ApiPropertyOptional({ enum: FILTER_WORDS, description: '`running` is `processing`; `failed` includes timed-out tasks' })
  @IsOptional()
  @IsIn(FILTER_WORDS, { message: `status must be one of ${FILTER_WORDS.join(', ')}` })
  status?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 50, default: 10, description: 'seed 000: answers an array of at most this many' })
  @WholeNumberQuery('limit', 1, 50)
  limit?: number;

  @ApiPropertyOptional({ minimum: 1, description: 'seed 003: with page or page_size the answer is {items, total, page, page_size}' })
  @WholeNumberQuery('page', 1)
  page?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @WholeNumberQuery('page_size', 1, 100)
  page_size?: number;

  @ApiPropertyOptional({ enum: V1_SORT_COLUMNS, default: 'created_at' })
  @IsOptional()
  @IsIn(V1_SORT_COLUMNS, { message: `sort_by must be one of ${V1_SORT_COLUMNS.join(', ')}` })
  sort_by?: SortColumn | 'type';

  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'desc' })
  @IsOptional()
  @IsIn(['asc', 'desc'], { message: 'order must be asc or desc' })
  order?: 'asc' | 'desc';
}

/** Body of `PATCH /api/v1/tasks/{task_id}`: seed 003's words for the native PATCH, whose `progress` and `error_message` it takes as they are. */
export class V1TaskUpdateDto extends PickType(UpdateExecutionDto, ['progress', 'error_message'] as const) {
  @ApiPropertyOptional({ enum: ['processing', 'completed', 'failed'] })
  @IsOptional()
  @IsIn(['processing', 'completed', 'failed'], { message: 'status must be one of processing, completed, failed' })
  status?: 'processing' | 'completed' | 'failed';
}

const STATUS_MESSAGES: Record<ExecutionStatus, string> = {
  awaiting_approval: 'Task is awaiting approval',
  pending: 'Task is pending',
  running: 'Task is processing',
  completed: 'Task completed successfully',
  failed: 'Task failed',
  cancelled: 'Task was cancelled',
  timeout: 'Task timed out',
};

export function toV1TaskDto(e: Execution): V1TaskDto {
  return {
    task_id: e.id,
    status: V1_TASK_STATUSES.shown[e.status],
    message: e.message ?? STATUS_MESSAGES[e.status],
    type: e.taskName,
    created_at: e.createdAt.toISOString(),
    updated_at: e.updatedAt.toISOString(),
    result_id: null,
    error: e.error,
    metadata: maskSealed(e.kwargs),
    progress: e.progress,
    file_name: e.fileName,
    file_size: e.fileSize,
  };
}
