import type { Response } from 'express';

/** Aborts when the response closes: sent, or the client went away first (then nobody waits for it). */
export function clientGone(res: Response): AbortSignal {
  const controller = new AbortController();
  res.on('close', () => controller.abort());
  return controller.signal;
}
