import { findLimitViolation } from './json-limits';

describe(findLimitViolation.name, () => {
  const limits = { maxDepth: 3, maxString: 10 };
  const sut = (value: unknown) => findLimitViolation(value, limits, 'the body');

  it('accepts what is within every limit, and nothing at all', () => {
    expect(sut({ a: [{ b: 'x'.repeat(10) }], c: null, d: 1.5 })).toBeNull();
    expect(sut(undefined)).toBeNull();
    expect(sut({})).toBeNull();
  });

  it('counts the body itself as level 1 and names where it went too deep', () => {
    expect(sut({ a: { b: {} } })).toBeNull();
    expect(sut({ a: { b: { c: 1 } } })).toBeNull();
    expect(sut({ a: { b: { c: {} } } })).toEqual({
      status: 400,
      message: 'the body is nested deeper than 3 levels (JSON_MAX_DEPTH) at a.b.c',
    });
    expect(sut([[[[]]]])?.message).toMatch(/at \[0\]\[0\]\[0\]$/);
  });

  it('walks nesting far beyond the call stack without overflowing', () => {
    let deep: unknown = [];
    for (let level = 0; level < 200_000; level++) deep = [deep];
    expect(findLimitViolation(deep, { maxDepth: 32, maxString: 10 }, 'the body')?.status).toBe(400);
  });

  it('answers 413 for a long string value or key, naming it', () => {
    expect(sut({ list: ['ok', 'x'.repeat(11)] })).toEqual({
      status: 413,
      message: 'a string in the body is longer than 10 characters (JSON_MAX_STRING) at list[1]',
    });
    expect(sut({ ['k'.repeat(11)]: 1 })?.status).toBe(413);
  });

  it('refuses the NUL character, which PostgreSQL cannot store', () => {
    expect(sut({ name: 'a\u0000b' })).toEqual({ status: 400, message: 'the body holds a NUL character (U+0000) at name' });
    expect(sut({ ['a\u0000']: 1 })?.status).toBe(400);
  });

  it('shortens long keys in the path it reports', () => {
    const key = 'k'.repeat(10);
    const message = findLimitViolation({ [key]: { [key]: { [key]: { x: 1 } } } }, { maxDepth: 3, maxString: 100 }, 'the body')?.message;
    expect(message).toContain('kkkkkkkkkk.kkkkkkkkkk');
    expect(
      findLimitViolation({ ['y'.repeat(90)]: 'x'.repeat(101) }, { maxDepth: 3, maxString: 100 }, 'the body')?.message.length,
    ).toBeLessThan(150);
  });
});
