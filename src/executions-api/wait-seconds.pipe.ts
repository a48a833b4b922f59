import { applyDecorators, BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
import { MAX_WAIT_SECONDS } from '../executions/execution-waiter';

const MESSAGE = `wait must be a whole number of seconds from 1 to ${MAX_WAIT_SECONDS}`;

/** `?wait=S`: absent, or whole seconds 1-60 (`1.5`, `0`, `61`, `abc`, a repeated `wait` are a 400). */
@Injectable()
export class WaitSecondsPipe implements PipeTransform<unknown, number | undefined> {
  transform(value: unknown): number | undefined {
    if (value === undefined) return undefined;
    const seconds = typeof value === 'string' && /^\d{1,2}$/.test(value) ? Number(value) : NaN;
    if (!(seconds >= 1 && seconds <= MAX_WAIT_SECONDS)) throw new BadRequestException([MESSAGE]);
    return seconds;
  }
}

/** The `wait` query parameter in the OpenAPI document. */
export function ApiWaitQuery(what: string) {
  return applyDecorators(
    ApiQuery({
      name: 'wait',
      required: false,
      schema: { type: 'integer', minimum: 1, maximum: MAX_WAIT_SECONDS },
      example: 10,
      description: `seconds to wait for the execution to end: ${what}`,
    }),
  );
}
