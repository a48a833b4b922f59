import { Metrics } from '../metrics/metrics';
import { CancelRequested } from './run-abort';
import { RunningExecutions } from './running-executions';

describe(RunningExecutions.name, () => {
  let sut: RunningExecutions;

  beforeEach(() => {
    sut = new RunningExecutions(new Metrics());
  });

  it('fires the signal of a run it holds', () => {
    const controller = new AbortController();
    sut.add('e-1', controller);
    expect(sut.cancel('e-1')).toBe(true);
    expect(controller.signal.reason).toBeInstanceOf(CancelRequested);
  });

  it('applies a cancel heard between the claim and the run’s registration once the run arrives', () => {
    expect(sut.cancel('e-2')).toBe(false);
    const controller = new AbortController();
    sut.add('e-2', controller);
    expect(controller.signal.aborted).toBe(true);
    expect(controller.signal.reason).toBeInstanceOf(CancelRequested);
  });

  it('forgets such a cancel after a while, and leaves other runs alone', () => {
    const start = Date.now();
    sut.cancel('e-3', start - 60_000);
    sut.cancel('e-4', start); // a newer cancel sweeps the stale one out
    const late = new AbortController();
    sut.add('e-3', late);
    expect(late.signal.aborted).toBe(false);
    const other = new AbortController();
    sut.add('e-5', other);
    expect(other.signal.aborted).toBe(false);
  });
});
