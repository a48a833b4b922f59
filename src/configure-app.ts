import { INestApplication, RequestMethod } from '@nestjs/common';
import type { Express, NextFunction, Request, Response } from 'express';
import { json } from 'express';
import { serveConsole } from './admin/serve-console';
import { AppConfig } from './config/app-config';
import { setupOpenApi } from './docs/openapi';
import { AuthenticatedWsAdapter } from './live/authenticated-ws.adapter';
import { corsOptions } from './http-security/cors-options';
import { requestLimits } from './http-security/request-limits.middleware';
import { securityHeaders } from './http-security/security-headers';
import { httpMetrics } from './metrics/http-metrics.middleware';
import { Metrics } from './metrics/metrics';

export const API_PREFIX = 'api/v1';

/** HTTP setup shared by `main.ts` and the e2e tests, so both serve exactly the same thing. */
export function configureApp(app: INestApplication, config: AppConfig): INestApplication {
  app.setGlobalPrefix(API_PREFIX, {
    exclude: [
      { path: 'health/{*path}', method: RequestMethod.GET },
      { path: 'metrics', method: RequestMethod.GET },
      // The seed Celery and user task APIs (SPEC 8.1) live where they always did.
      { path: 'api/tasks', method: RequestMethod.ALL },
      { path: 'api/tasks/{*path}', method: RequestMethod.ALL },
    ],
  });
  if (config.trustProxy !== false) (app.getHttpAdapter().getInstance() as Express).set('trust proxy', config.trustProxy);
  app.use(securityHeaders());
  if (config.corsOrigins.length > 0) app.enableCors(corsOptions(config.corsOrigins));
  app.use(httpMetrics(app.get(Metrics)));
  app.use(json({ limit: config.bodyLimitBytes, strict: true }));
  app.use(bodyErrorHandler);
  app.use(requestLimits({ maxDepth: config.jsonMaxDepth, maxString: config.jsonMaxString }));
  app.useWebSocketAdapter(new AuthenticatedWsAdapter(app));
  setupOpenApi(app);
  serveConsole(app);
  app.enableShutdownHooks();
  return app;
}

/** Invalid JSON and oversized bodies get the API's JSON error shape, not Express's HTML page. */
function bodyErrorHandler(error: { status?: number; type?: string }, _req: Request, res: Response, next: NextFunction): void {
  if (error?.type === 'entity.parse.failed') {
    res.status(400).json({ statusCode: 400, error: 'Bad Request', message: 'the body is not valid JSON' });
  } else if (error?.type === 'entity.too.large') {
    res.status(413).json({ statusCode: 413, error: 'Payload Too Large', message: 'the body is larger than the limit (BODY_LIMIT)' });
  } else if (error?.status === 415) {
    res.status(415).json({
      statusCode: 415,
      error: 'Unsupported Media Type',
      message: 'the body’s charset or Content-Encoding is not supported: send UTF-8 JSON',
    });
  } else if (error?.status && error.status >= 400 && error.status < 500) {
    res.status(error.status).json({ statusCode: error.status, error: 'Bad Request', message: 'the body could not be read' });
  } else {
    next(error);
  }
}
