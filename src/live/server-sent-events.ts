import type { Response } from 'express';
import type { Observable, Subscription } from 'rxjs';
import type { ExecutionEvent } from '../executions/execution-event';

/** Comment lines at this interval keep proxies and load balancers from closing an idle stream. */
export const SSE_KEEPALIVE_MS = 15_000;

/**
 * Writes the events to `res` as `text/event-stream`, each with its `id:`, and ends the response when
 * they complete or the client goes. Returns the way to end it early (a stopping process).
 */
export function sendServerSentEvents(res: Response, events: Observable<ExecutionEvent>): () => void {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.write('retry: 2000\n\n');
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), SSE_KEEPALIVE_MS);
  let ended = false;
  let subscription: Subscription | undefined = undefined;
  const end = () => {
    if (ended) return;
    ended = true;
    clearInterval(keepAlive);
    subscription?.unsubscribe();
    res.end();
  };
  subscription = events.subscribe({
    next: (event) => res.write(`id: ${event.id}\nevent: execution\ndata: ${JSON.stringify(event.execution)}\n\n`),
    complete: end,
    error: end,
  });
  if (ended) subscription.unsubscribe();
  res.on('close', end);
  return end;
}
