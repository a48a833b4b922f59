import { decide } from './reconcile-decision';

describe('decide', () => {
  const pending = { status: 'pending' as const, attempts: 0, maxAttempts: 3 };
  const running = (attempts: number, maxAttempts: number) => ({ status: 'running' as const, attempts, maxAttempts });

  it.each(['waiting', 'delayed', 'active', 'prioritized', 'waiting-children'])('leaves any record whose job is %s', (state) => {
    expect(decide(pending, state)).toBe('leave');
    expect(decide(running(3, 3), state)).toBe('leave');
  });

  it('enqueues a pending record with no job, and requeues one whose job already finished', () => {
    expect(decide(pending, 'unknown')).toBe('enqueue');
    expect(decide(pending, 'failed')).toBe('requeue');
    expect(decide(pending, 'completed')).toBe('requeue');
  });

  it('requeues a running record whose job is gone while attempts remain, and fails it when none does', () => {
    expect(decide(running(1, 3), 'unknown')).toBe('requeue');
    expect(decide(running(2, 3), 'completed')).toBe('requeue');
    expect(decide(running(3, 3), 'unknown')).toBe('fail');
    expect(decide(running(3, 3), 'failed')).toBe('fail');
  });

  it('gives a single-attempt task one takeover, like a worker does', () => {
    expect(decide(running(1, 1), 'unknown')).toBe('requeue');
    expect(decide(running(2, 1), 'unknown')).toBe('fail');
  });

  it('never touches a terminal record', () => {
    expect(decide({ status: 'completed', attempts: 1, maxAttempts: 1 }, 'unknown')).toBe('leave');
    expect(decide({ status: 'failed', attempts: 1, maxAttempts: 1 }, 'unknown')).toBe('leave');
  });
});
