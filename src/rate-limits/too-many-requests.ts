import { HttpException, HttpStatus } from '@nestjs/common';

/** A 429 whose `Retry-After` (seconds) the caller should honour. */
export class TooManyRequests extends HttpException {
  constructor(
    readonly retryAfterSeconds: number,
    message: string,
  ) {
    super({ statusCode: 429, error: 'Too Many Requests', message }, HttpStatus.TOO_MANY_REQUESTS);
  }
}
