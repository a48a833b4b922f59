import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsArray, IsInt, IsObject, IsOptional, IsString, Length, Max, MaxLength, Min } from 'class-validator';
import { DEFAULT_PRIORITY } from '../../queue/execution-job';

export const MAX_DELAY_MS = 30 * 24 * 3600 * 1000;
export const MAX_TIMEOUT_MS = 24 * 3600 * 1000;
export const MAX_CALLBACK_URL_CHARS = 2048;

/**
 * Body of `POST /tasks/execute`. Unknown fields are rejected by the global validation pipe.
 * Defaults are stated in descriptions, not as `default`: openapi-typescript types a property that has
 * a `default` in a component schema as required, so generated clients would have to send it.
 */
export class ExecuteTaskDto {
  @ApiProperty({ example: 'demo.add', description: 'a registered task (see GET /tasks/available)' })
  @IsString()
  @Length(1, 200)
  task_name: string;

  @ApiPropertyOptional({ type: 'array', items: {}, description: 'positional arguments; [] when left out' })
  @IsOptional()
  @IsArray()
  args?: unknown[];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { a: 2, b: 3 },
    description: 'checked against the task’s kwargs schema (components TaskKwargs.<task>)',
  })
  @IsOptional()
  @IsObject()
  kwargs?: Record<string, unknown>;

  @ApiPropertyOptional({ maxLength: 255, description: 'a tag to find executions by (GET /executions/latest?resource=)' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  resource?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, description: `higher runs first; ${DEFAULT_PRIORITY} when left out` })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  priority?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: MAX_DELAY_MS })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_DELAY_MS)
  delay_ms?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_TIMEOUT_MS, description: 'never above the task’s own maximum' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_TIMEOUT_MS)
  timeout_ms?: number;

  @ApiPropertyOptional({
    maxLength: MAX_CALLBACK_URL_CHARS,
    example: 'https://hooks.example.com/taskgate',
    description:
      'completion webhook (SPEC 7.3): POSTed `{"event": "execution.finished", "execution": …}`, signed with WEBHOOK_SECRET, ' +
      'once the execution is terminal. https: to a public address only, unless WEBHOOK_ALLOW_PRIVATE=true; ' +
      '400 when WEBHOOK_SECRET is not set',
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_CALLBACK_URL_CHARS)
  callback_url?: string;
}
