import type { NextFunction, Request, Response } from 'express';
import { Metrics } from './metrics';

/**
 * Times every request (registered on Express itself, so 401s and 404s count too). The route label
 * is the matched pattern (`/api/v1/executions/:id`), never the raw URL, or `unmatched`.
 */
export function httpMetrics(metrics: Metrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const stop = metrics.httpDuration.startTimer();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path;
      stop({ method: req.method, route: route ? `${req.baseUrl}${route}` : 'unmatched', status: String(res.statusCode) });
    });
    next();
  };
}
