import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorBody } from './api-exception.filter';

const REASONS: Record<number, string> = {
  400: 'invalid input: every offending field is listed',
  401: 'missing, malformed, unknown, revoked or expired token, or disabled principal',
  403: 'not permitted',
  404: 'not found (or not visible to the caller)',
  409: 'conflict with the execution’s current state',
  413: 'body or file over its size limit',
  415: 'the task takes no file',
  429: 'rate limited, or over a quota of the token or a grant (SPEC 7.13): see Retry-After',
  503: 'the queue (Redis) is unavailable',
};

/** The error responses a route can give, all with the API's error body. */
export function ApiErrors(...statuses: number[]) {
  return applyDecorators(...statuses.map((status) => ApiResponse({ status, description: REASONS[status], type: ErrorBody })));
}

/** A controller whose routes need a token. */
export function ApiAuthenticated(tag: string) {
  return applyDecorators(ApiTags(tag), ApiBearerAuth(), ApiErrors(401, 429));
}
