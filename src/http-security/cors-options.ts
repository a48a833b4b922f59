import type { CorsOptions } from '@nestjs/common/interfaces/external/cors-options.interface';

/**
 * For the configured origins only (`CORS_ORIGINS`; without it no CORS header is sent at all).
 * No credentials: the API reads tokens from headers, never cookies.
 */
export function corsOptions(origins: string[]): CorsOptions {
  return {
    origin: origins.includes('*') ? '*' : origins,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'Last-Event-ID'],
    exposedHeaders: ['Retry-After', 'WWW-Authenticate'],
    credentials: false,
    maxAge: 600,
  };
}
