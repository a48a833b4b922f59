import { IsArray, IsInt, IsObject, IsOptional, IsString, Length, Max, MaxLength, Min } from 'class-validator';

export const MAX_DELAY_MS = 30 * 24 * 3600 * 1000;
export const MAX_TIMEOUT_MS = 24 * 3600 * 1000;

/** Body of `POST /tasks/execute`. Unknown fields are rejected by the global validation pipe. */
export class ExecuteTaskDto {
  @IsString()
  @Length(1, 200)
  task_name: string;

  @IsOptional()
  @IsArray()
  args?: unknown[];

  @IsOptional()
  @IsObject()
  kwargs?: Record<string, unknown>;

  @IsOptional()
  @IsString()
  @MaxLength(255)
  resource?: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  priority?: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_DELAY_MS)
  delay_ms?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_TIMEOUT_MS)
  timeout_ms?: number;
}
