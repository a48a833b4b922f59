import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsDefined, IsInt, IsObject, IsOptional, Max, Min, ValidateNested } from 'class-validator';
import { ListExecutionsQuery } from './list-executions.query';

export const BULK_MAX = 10_000;
export const BULK_DEFAULT_MAX = 1000;

/** The filter of a bulk action: the fields and rules of `GET /executions`, in a JSON body. */
export class ExecutionFilterDto extends PickType(ListExecutionsQuery, [
  'status',
  'task_name',
  'resource',
  'created_after',
  'created_before',
  'owner',
] as const) {}

/** `POST /executions/cancel` and `POST /executions/retry`. */
export class BulkActionDto {
  @ApiProperty({
    type: ExecutionFilterDto,
    description: 'required; `{}` selects every visible execution the action applies to',
    example: { task_name: 'demo.sleep', status: 'pending,running' },
  })
  @IsDefined({ message: 'filter is required (send {} to select every visible execution)' })
  @IsObject({ message: 'filter must be an object' })
  @ValidateNested()
  @Type(() => ExecutionFilterDto)
  filter: ExecutionFilterDto;

  // No `default` in the schema: openapi-typescript would make a defaulted field required.
  @ApiPropertyOptional({ description: 'change nothing; answer what would be done (default false)' })
  @IsOptional()
  @IsBoolean()
  dry_run?: boolean;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: BULK_MAX,
    description: `act on at most this many, oldest first (default ${BULK_DEFAULT_MAX})`,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(BULK_MAX)
  max?: number;
}

export class BulkActionResultDto {
  @ApiProperty({ description: 'visible executions matching the filter that the action applies to (not capped by max)' })
  matched: number;

  @ApiProperty({ description: 'how many were (or, in a dry run, would be) acted on' })
  affected: number;

  @ApiProperty({
    type: [String],
    format: 'uuid',
    description: 'cancel: the cancelled executions; retry: the new executions (dry run: the executions that would be retried)',
  })
  execution_ids: string[];
}
