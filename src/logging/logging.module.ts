import { Module, RequestMethod } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../config/app-config';
import { LogDestination } from './log-destination';
import { LogDestinationModule } from './log-destination.module';
import { redactUrl, scrubRecord, scrubTokens } from './redaction';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * One JSON line per request; execution state changes at `debug` (LOG_LEVEL=debug). Nothing
 * that could be a secret reaches the output: no headers, `?token=` redacted, token-looking strings
 * scrubbed from every field, ids masked in URLs.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      imports: [LogDestinationModule],
      inject: [AppConfig, LogDestination],
      useFactory: (config: AppConfig, destination: LogDestination) => ({
        // Named wildcard: the bare '*' that nestjs-pino uses by default is legacy syntax in Express 5.
        forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
        pinoHttp: [
          {
            level: config.logLevel,
            genReqId: (req: IncomingMessage) => {
              const given = req.headers['x-request-id'];
              return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
            },
            serializers: {
              req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: redactUrl(req.url) }),
              // pino-http hands serializers a wrapper; the status is on the raw response.
              res: (res: { raw?: ServerResponse; statusCode?: number | null }) => ({ statusCode: res.raw?.statusCode ?? res.statusCode }),
            },
            customLogLevel: (_req: IncomingMessage, res: ServerResponse, error?: Error) =>
              error || res.statusCode >= 500 ? 'error' : 'info',
            autoLogging: { ignore: (req: IncomingMessage) => (req.url ?? '').startsWith('/health/') },
            hooks: {
              logMethod(args: unknown[], method: (...args: unknown[]) => void) {
                method.apply(
                  this,
                  args.map((arg) => (typeof arg === 'string' ? scrubTokens(arg) : arg)),
                );
              },
            },
            formatters: { log: (record: Record<string, unknown>) => scrubRecord(record) },
          },
          destination.stream,
        ],
      }),
    }),
  ],
})
export class LoggingModule {}
