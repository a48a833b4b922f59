import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayNotEmpty, IsIn, IsISO8601, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { KeysetPageQuery } from '../../common/keyset-page.query';
import { EXECUTION_STATUSES, type ExecutionStatus } from '../execution-status';
import { lowerCaseId } from '../../common/parse-id.pipe';

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
}

export class StatisticsQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 200)
  task_name?: string;
}

export class LatestQuery {
  @ApiProperty()
  @IsString({ message: 'resource is required' })
  @Length(1, 255)
  resource: string;
}
