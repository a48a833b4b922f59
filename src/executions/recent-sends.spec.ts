import { RecentSends } from './recent-sends';

describe(RecentSends.name, () => {
  it('tells how long ago an execution was sent, and nothing for one never sent', () => {
    const sut = new RecentSends(250);
    sut.sent('e-1', 1_000);
    expect(sut.since('e-1', 1_100)).toBe(100);
    expect(sut.since('e-2', 1_100)).toBe(Infinity);
  });

  it('keeps no entry past its window once a sweep is due, however many executions never ended here', () => {
    const sut = new RecentSends(250, 2_500);
    for (let i = 0; i < 5_000; i++) sut.sent(`e-${i}`, 10_000 + (i % 100));
    expect(sut.size).toBe(5_000);
    sut.sent('late', 13_000);
    expect(sut.size).toBe(1);
    expect(sut.since('late', 13_010)).toBe(10);
  });

  it('does not sweep an entry still inside its window', () => {
    const sut = new RecentSends(250, 2_500);
    sut.sent('old', 0);
    sut.sent('fresh', 2_900);
    sut.sent('trigger', 3_000);
    expect(sut.since('fresh', 3_000)).toBe(100);
    expect(sut.since('old', 3_000)).toBe(Infinity);
  });
});
