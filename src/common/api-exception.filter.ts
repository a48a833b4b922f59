import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import type { Response } from 'express';
import { TooManyRequests } from '../rate-limits/too-many-requests';
import { DomainError, DomainErrorKind, InvalidInputError, QuotaExceededError } from './domain-errors';

export class ErrorBody {
  @ApiProperty({ example: 404 }) statusCode: number;
  @ApiProperty({ example: 'Not Found' }) error: string;
  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }], description: 'for 400, every offending field' })
  message: string | string[];
}

/** The one exception filter: domain errors by kind, HTTP errors as they are, anything else a bare 500. */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(ApiExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const body = this.toBody(exception);
    if (body.statusCode === (HttpStatus.UNAUTHORIZED as number)) response.setHeader('WWW-Authenticate', 'Bearer');
    if (exception instanceof TooManyRequests) response.setHeader('Retry-After', String(exception.retryAfterSeconds));
    if (exception instanceof QuotaExceededError && exception.retryAfterSeconds !== null)
      response.setHeader('Retry-After', String(exception.retryAfterSeconds));
    response.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown): ErrorBody {
    if (exception instanceof DomainError) {
      const statusCode = statusOf(exception.kind);
      const message = exception instanceof InvalidInputError ? exception.problems : exception.message;
      return { statusCode, error: reasonPhrase(statusCode), message };
    }
    if (exception instanceof HttpException) {
      const statusCode = exception.getStatus();
      const response = exception.getResponse();
      const message =
        typeof response === 'string' ? response : ((response as { message?: string | string[] }).message ?? exception.message);
      return { statusCode, error: reasonPhrase(statusCode), message };
    }
    // The stack only at debug level: it can be long, and it is for whoever is debugging.
    this.logger.error(`unhandled error: ${(exception as Error)?.message}`);
    this.logger.debug((exception as Error)?.stack);
    return { statusCode: 500, error: reasonPhrase(500), message: 'internal server error' };
  }
}

/** The HTTP status of a domain error. */
export function statusOf(kind: DomainErrorKind): number {
  switch (kind) {
    case 'not_found':
      return HttpStatus.NOT_FOUND;
    case 'forbidden':
      return HttpStatus.FORBIDDEN;
    case 'invalid':
      return HttpStatus.BAD_REQUEST;
    case 'conflict':
      return HttpStatus.CONFLICT;
    case 'unavailable':
      return HttpStatus.SERVICE_UNAVAILABLE;
    case 'too_large':
      return HttpStatus.PAYLOAD_TOO_LARGE;
    case 'quota_exceeded':
      return HttpStatus.TOO_MANY_REQUESTS;
  }
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function reasonPhrase(status: number): string {
  return REASONS[status] ?? (status >= 500 ? 'Server Error' : 'Client Error');
}
