import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { EXECUTION_STATUSES, type ExecutionStatus } from '../execution-status';

/** Body of `PATCH /executions/{id}`: progress reported by a service doing the work elsewhere. */
export class UpdateExecutionDto {
  @IsOptional()
  @IsIn(EXECUTION_STATUSES)
  status?: ExecutionStatus;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  progress?: number;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  stage?: string;

  @IsOptional()
  @IsString()
  @MaxLength(8192)
  message?: string;

  @IsOptional()
  @IsString()
  @MaxLength(8192)
  error_message?: string;
}
