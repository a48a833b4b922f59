import { checkProgress, checkResult } from './task-result';

describe(checkResult.name, () => {
  it('accepts JSON values and turns undefined into null', () => {
    expect(checkResult({ a: 1 }, 100)).toEqual({ ok: true, value: { a: 1 } });
    expect(checkResult(undefined, 100)).toEqual({ ok: true, value: null });
    expect(checkResult(5, 100)).toEqual({ ok: true, value: 5 });
  });

  it('refuses results over the limit, saying how large they were', () => {
    const check = checkResult('x'.repeat(200), 100);
    expect(check).toEqual({ ok: false, reason: expect.stringMatching(/202 bytes.*limit of 100/) });
  });

  it('refuses values JSON cannot hold', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(checkResult(circular, 1000).ok).toBe(false);
    expect(checkResult(10n, 1000).ok).toBe(false);
  });
});

describe(checkProgress.name, () => {
  it.each([
    [{ progress: 50, stage: 'x', total_items: 4, completed_items: 2, message: 'm' }, null],
    [{ progress: 101 }, /progress/],
    [{ progress: -1 }, /progress/],
    [{ progress: Number.NaN }, /progress/],
    [{ total_items: 1.5 }, /total_items/],
    [{ completed_items: -2 }, /completed_items/],
    [{ stage: 3 }, /stage/],
  ])('%p → %p', (update, expected) => {
    const problem = checkProgress(update);
    if (expected === null) expect(problem).toBeNull();
    else expect(problem).toMatch(expected);
  });
});
