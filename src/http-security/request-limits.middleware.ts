import type { NextFunction, Request, Response } from 'express';
import { findLimitViolation, JsonLimits } from './json-limits';

/**
 * Runs after the JSON parser and before any route: a body or query string over the depth or string
 * limits, or holding a NUL character, is answered here in the API's error shape, so no handler,
 * pipe or query ever sees it.
 */
export function requestLimits(limits: JsonLimits) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const violation = findLimitViolation(req.body, limits, 'the body') ?? findLimitViolation(req.query, limits, 'the query string');
    if (!violation) return next();
    const error = violation.status === 413 ? 'Payload Too Large' : 'Bad Request';
    res.status(violation.status).json({ statusCode: violation.status, error, message: violation.message });
  };
}
