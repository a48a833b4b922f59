import { MAX_RETENTION_MS, parseDuration, parseRetention } from './duration';

describe(parseRetention.name, () => {
  it.each([
    ['45s', 45_000],
    ['90m', 5_400_000],
    ['12h', 43_200_000],
    ['7d', 604_800_000],
    [' 30d ', 2_592_000_000],
    ['36500d', MAX_RETENTION_MS],
  ])('reads %p as %p ms', (text, ms) => {
    expect(parseRetention(text)).toBe(ms);
  });

  it('reads 0, as a number or text, as "keep forever"', () => {
    expect(parseRetention(0)).toBe(0);
    expect(parseRetention('0')).toBe(0);
  });

  it.each([['7'], ['0d'], ['-1d'], ['1.5d'], ['2w'], ['7 days'], ['d'], [''], ['36501d'], ['99999999999999999d']])('rejects %p', (text) => {
    expect(parseRetention(text)).toBeNull();
  });

  it('rejects numbers other than 0', () => {
    expect(parseRetention(7)).toBeNull();
  });
});

describe(parseDuration.name, () => {
  it('still takes weeks for token lifetimes', () => {
    expect(parseDuration('2w')).toBe(1_209_600_000);
    expect(parseDuration('0d')).toBeNull();
  });
});
