import { describeMs } from './approval-sweeper';

describe(describeMs.name, () => {
  it('writes a timeout as a grant writes it, in the largest unit that divides it', () => {
    expect(describeMs(86_400_000)).toBe('1d');
    expect(describeMs(36 * 3_600_000)).toBe('36h');
    expect(describeMs(90_000)).toBe('90s');
    expect(describeMs(2000)).toBe('2s');
    expect(describeMs(1500)).toBe('1500 ms');
  });
});
