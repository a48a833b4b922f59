import type { Caller } from '../permissions/caller';
import { ExecutionChangeEvent } from './execution-event';
import type { ExecutionFeed } from './execution-feed';
import type { Execution } from './execution.entity';
import type { ExecutionStatus } from './execution-status';
import { ExecutionWaiter } from './execution-waiter';
import type { ExecutionsService } from './executions.service';

/** The feed's listener registry, without Redis: `publish` is what a message from Redis would do. */
class FakeFeed {
  readonly listeners = new Set<(event: ExecutionChangeEvent) => void>();
  listening = () => Promise.resolve();
  subscribe(_id: string, listener: (event: ExecutionChangeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  publish(status: ExecutionStatus): void {
    const change = { id: 'e1', status, is_complete: status === 'completed' } as ExecutionChangeEvent['change'];
    for (const listener of this.listeners) listener({ id: '1-0', change });
  }
}

describe(ExecutionWaiter.name, () => {
  const caller = {} as Caller;
  const record = (status: ExecutionStatus) => ({ id: 'e1', status }) as Execution;

  it('does not miss an end published while the record is being read', async () => {
    const feed = new FakeFeed();
    let reads = 0;
    const executions = {
      findVisible: () => {
        reads++;
        if (reads > 1) return Promise.resolve(record('completed'));
        feed.publish('completed'); // the worker finishes between the read and its answer
        return Promise.resolve(record('running'));
      },
    } as unknown as ExecutionsService;
    const sut = new ExecutionWaiter(feed as unknown as ExecutionFeed, executions);
    const started = Date.now();
    expect((await sut.untilTerminal(caller, 'e1', 30)).status).toBe('completed');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('releases its listener and timer once answered, and when the signal aborts', async () => {
    const feed = new FakeFeed();
    const executions = { findVisible: () => Promise.resolve(record('running')) } as unknown as ExecutionsService;
    const sut = new ExecutionWaiter(feed as unknown as ExecutionFeed, executions);
    const left = new AbortController();
    const waiting = sut.untilTerminal(caller, 'e1', 30, left.signal);
    await new Promise((resolve) => setImmediate(resolve));
    expect([feed.listeners.size, sut.count]).toEqual([1, 1]);
    feed.publish('running'); // progress does not wake it
    await new Promise((resolve) => setImmediate(resolve));
    expect(sut.count).toBe(1);
    left.abort();
    expect((await waiting).status).toBe('running');
    expect([feed.listeners.size, sut.count]).toEqual([0, 0]);
  });
});
