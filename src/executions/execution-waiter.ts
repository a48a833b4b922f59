import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import type { Caller } from '../permissions/caller';
import { ExecutionFeed } from './execution-feed';
import { Execution } from './execution.entity';
import { isTerminal } from './execution-status';
import { ExecutionsService } from './executions.service';

/** The longest bounded wait, in seconds (`?wait=`). */
export const MAX_WAIT_SECONDS = 60;

/**
 * Bounded waits (`?wait=S`): wakes on the execution's own terminal event from the feed, never by
 * polling. A waiter costs one feed listener and one timer, like an idle SSE stream; the feed's one
 * Redis subscription serves them all, so the worker that ends the execution may be in any process.
 */
@Injectable()
export class ExecutionWaiter implements BeforeApplicationShutdown {
  private readonly waiting = new Set<() => void>();

  constructor(
    private readonly feed: ExecutionFeed,
    private readonly executions: ExecutionsService,
  ) {}

  /** A stopping process answers its waiters now (with the current record) instead of holding its shutdown. */
  beforeApplicationShutdown(): void {
    for (const wake of [...this.waiting]) wake();
  }

  /** Waiters in this process now. */
  get count(): number {
    return this.waiting.size;
  }

  /**
   * The record once terminal, or as it is after `seconds` (or once `signal` aborts: the client
   * left). A caller that may not read it gets the usual 404 before any waiting.
   */
  async untilTerminal(caller: Caller, id: string, seconds: number, signal?: AbortSignal): Promise<Execution> {
    await this.feed.listening();
    let wake: () => void = () => undefined;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    this.waiting.add(wake);
    // Listen before reading, so an end published between the read and the listening is not missed.
    const unsubscribe = this.feed.subscribe(id, (event) => {
      if (event.change.is_complete) wake();
    });
    const timer = setTimeout(wake, seconds * 1000);
    signal?.addEventListener('abort', wake, { once: true });
    try {
      const current = await this.executions.findVisible(caller, id);
      if (isTerminal(current.status) || signal?.aborted) return current;
      await woken;
      return await this.executions.findVisible(caller, id);
    } finally {
      this.waiting.delete(wake);
      unsubscribe();
      clearTimeout(timer);
      signal?.removeEventListener('abort', wake);
    }
  }
}
