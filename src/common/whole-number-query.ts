import { applyDecorators } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/**
 * An optional whole-number query parameter (`limit`, `page`, `skip`, …) from `min` (to `max`): read
 * from its text, and refused with one message naming the range. Its OpenAPI description stays with the field.
 */
export function WholeNumberQuery(name: string, min: number, max?: number): PropertyDecorator {
  const message = `${name} must be a whole number from ${min}${max === undefined ? '' : ` to ${max}`}`;
  return applyDecorators(
    IsOptional(),
    Type(() => Number),
    IsInt({ message }),
    Min(min, { message }),
    ...(max === undefined ? [] : [Max(max, { message })]),
  );
}
