import { SetMetadata } from '@nestjs/common';

export const ALLOWS_QUERY_TOKEN = 'taskgate:allows-query-token';

/**
 * Lets a route also take the token as `?token=`, for browser clients that cannot set headers
 * (`EventSource`). Only streaming routes use it: a URL ends up in more logs than a header does.
 */
export const AllowQueryToken = () => SetMetadata(ALLOWS_QUERY_TOKEN, true);
