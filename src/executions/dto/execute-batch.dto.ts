import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsObject, IsOptional, IsString, Matches } from 'class-validator';
import { IDEMPOTENCY_KEY } from '../idempotency-keys';
import { ExecuteTaskDto } from './execute-task.dto';

export const MAX_BATCH_ITEMS = 1000;

/** One item of `POST /tasks/execute-batch`: the body of a single execute, plus its idempotency key. */
export class ExecuteBatchItemDto extends ExecuteTaskDto {
  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 255,
    example: 'invoice-7-total',
    description: 'as the Idempotency-Key header of a single execute (per principal, 24 h): same key and item → the same execution',
  })
  @IsOptional()
  @IsString()
  @Matches(IDEMPOTENCY_KEY, { message: 'idempotency_key must be 1-255 visible ASCII characters' })
  idempotency_key?: string;
}

/**
 * Body of `POST /tasks/execute-batch`. Only the list is checked here: each item is validated on its
 * own (against ExecuteBatchItemDto), so one bad item is a 400 in its result, not for the whole request.
 */
export class ExecuteBatchDto {
  @ApiProperty({ type: [ExecuteBatchItemDto], minItems: 1, maxItems: MAX_BATCH_ITEMS })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH_ITEMS)
  @IsObject({ each: true, message: 'items: each item must be an object' })
  items: Record<string, unknown>[];
}

/** What one item got: the status it would have had alone. */
export class BatchItemResultDto {
  @ApiProperty({ description: 'the item’s position in `items`, from 0' }) index: number;
  @ApiProperty({
    enum: [202, 400, 403, 404, 409, 429],
    description: 'the status the item would have had as a single execute; 429: over a quota (SPEC 7.13), counted item by item',
  })
  status: number;
  @ApiPropertyOptional({ format: 'uuid', description: 'when accepted (202): the new execution, or the earlier one a key replays' })
  execution_id?: string;
  @ApiPropertyOptional({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    description: 'when refused: the `message` a single execute would have answered (for 400, the list of every offending field)',
  })
  error?: string | string[];
}

export class ExecuteBatchResultDto {
  @ApiProperty({ description: 'items answered 202' }) accepted: number;
  @ApiProperty({ description: 'items answered 400, 403, 404, 409 or 429' }) rejected: number;
  @ApiProperty({ type: [BatchItemResultDto], description: 'one per item, in item order' }) results: BatchItemResultDto[];
}

/** How many executions a request asks for, for the rate limit: a list the body check refuses counts as one. */
export function batchSize(body: unknown): number {
  const items = (body as { items?: unknown } | null)?.items;
  return Array.isArray(items) && items.length >= 1 && items.length <= MAX_BATCH_ITEMS ? items.length : 1;
}

/** The OpenAPI examples of the route. */
export const EXECUTE_BATCH_EXAMPLE = {
  items: [
    { task_name: 'demo.add', kwargs: { a: 2, b: 3 }, idempotency_key: 'invoice-7-total' },
    { task_name: 'demo.add', kwargs: { a: 'two' } },
    { task_name: 'reports.monthly' },
  ],
};
export const EXECUTE_BATCH_RESULT_EXAMPLE = {
  accepted: 1,
  rejected: 2,
  results: [
    { index: 0, status: 202, execution_id: '0b5f6a53-8f2e-4c8e-9a43-2f7d1c9e5b10' },
    {
      index: 1,
      status: 400,
      error: [
        'kwargs.a: a must be a number conforming to the specified constraints',
        'kwargs.b: b must be a number conforming to the specified constraints',
      ],
    },
    { index: 2, status: 404, error: 'task "reports.monthly" is not registered' },
  ],
};
