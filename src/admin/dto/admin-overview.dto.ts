import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { ExecutionStatisticsDto } from '../../executions/dto/execution.dto';

/** Executions created in one hour, counted by their status now. */
export class TimelineBucketDto extends ExecutionStatisticsDto {
  @ApiProperty({ format: 'date-time' }) start: string;
}

export class TimelineDto {
  @ApiProperty({ example: 60 }) bucket_minutes: number;
  @ApiProperty({ type: [TimelineBucketDto], description: 'oldest first, one per bucket, empty buckets included' })
  buckets: TimelineBucketDto[];
}

export class AdminOverviewDto {
  @ApiProperty() statistics: ExecutionStatisticsDto;
  @ApiProperty({ description: 'executions created per hour, by their current status' }) timeline: TimelineDto;
}

export class OverviewQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 168, default: 24 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'hours must be a whole number from 1 to 168' })
  @Min(1, { message: 'hours must be a whole number from 1 to 168' })
  @Max(168, { message: 'hours must be a whole number from 1 to 168' })
  hours?: number;
}
