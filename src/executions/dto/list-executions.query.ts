import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayNotEmpty, IsIn, IsISO8601, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { WholeNumberQuery } from '../../common/whole-number-query';
import { DEFAULT_PAGE_SIZE, KeysetPageQuery } from '../../common/keyset-page.query';
import { STATISTICS_WINDOWS, type StatisticsWindow } from '../statistics-window';
import { EXECUTION_STATUSES, type ExecutionStatus } from '../execution-status';
import { lowerCaseId } from '../../common/parse-id.pipe';

export const SORT_COLUMNS = ['created_at', 'started_at', 'completed_at', 'duration_ms', 'status', 'task_name'] as const;
export type SortColumn = (typeof SORT_COLUMNS)[number];

const splitList = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.split(',').map((item) => item.trim()) : value);

/** Query of `GET /executions`; unknown parameters are rejected like unknown body fields. */
export class ListExecutionsQuery extends KeysetPageQuery {
  @ApiPropertyOptional({ description: `comma-separated: ${EXECUTION_STATUSES.join(', ')}`, example: 'failed,timeout' })
  @IsOptional()
  @Transform(splitList)
  @ArrayNotEmpty()
  @IsIn(EXECUTION_STATUSES, { each: true, message: `status must be a comma-separated list of ${EXECUTION_STATUSES.join(', ')}` })
  status?: ExecutionStatus[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 200)
  task_name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 255)
  resource?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'created_after must be an ISO-8601 date-time' })
  created_after?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'created_before must be an ISO-8601 date-time' })
  created_before?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'executions that are retries of this one' })
  @IsOptional()
  @Transform(lowerCaseId)
  @IsUUID('all', { message: 'retried_from must be an execution id (UUID)' })
  retried_from?: string;

  /** Admins only. */
  @ApiPropertyOptional({ format: 'uuid', description: 'admins only' })
  @IsOptional()
  @Transform(lowerCaseId)
  @IsUUID('all', { message: 'owner must be a principal id (UUID)' })
  owner?: string;

  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'desc' })
  @IsOptional()
  @IsIn(['asc', 'desc'], { message: 'order must be asc or desc' })
  order?: 'asc' | 'desc';

  @ApiPropertyOptional({
    enum: SORT_COLUMNS,
    example: 'duration_ms',
    description: 'default created_at; ties broken by id. Any other column answers numbered pages (`page`), never a cursor',
  })
  @IsOptional()
  @IsIn(SORT_COLUMNS, { message: `sort_by must be one of ${SORT_COLUMNS.join(', ')}` })
  sort_by?: SortColumn;

  @ApiPropertyOptional({
    minimum: 1,
    example: 2,
    description: 'numbered pages instead of `cursor`: the answer adds page, page_size and total',
  })
  @WholeNumberQuery('page', 1)
  page?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, example: 50, description: `rows per numbered page (default ${DEFAULT_PAGE_SIZE})` })
  @WholeNumberQuery('page_size', 1, 100)
  page_size?: number;
}

export class StatisticsQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 200)
  task_name?: string;

  @ApiPropertyOptional({ enum: ['task'], example: 'task', description: 'per-task figures over a window instead of the counts' })
  @IsOptional()
  @IsIn(['task'], { message: 'group_by must be task' })
  group_by?: 'task';

  @ApiPropertyOptional({
    enum: Object.keys(STATISTICS_WINDOWS),
    example: '7d',
    description: 'with group_by=task: executions created in the last … (default 24h)',
  })
  @IsOptional()
  @IsIn(Object.keys(STATISTICS_WINDOWS), { message: `window must be one of ${Object.keys(STATISTICS_WINDOWS).join(', ')}` })
  window?: StatisticsWindow;
}

export class LatestQuery {
  @ApiProperty()
  @IsString({ message: 'resource is required' })
  @Length(1, 255)
  resource: string;
}
