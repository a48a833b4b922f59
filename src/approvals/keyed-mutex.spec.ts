import { KeyedMutex } from './keyed-mutex';

describe(KeyedMutex.name, () => {
  it('runs the tasks of one key one at a time, in order, and after a failure too', async () => {
    const sut = new KeyedMutex();
    const seen: string[] = [];
    const step =
      (name: string, fail = false) =>
      async () => {
        seen.push(`${name} start`);
        await new Promise((resolve) => setImmediate(resolve));
        seen.push(`${name} end`);
        if (fail) throw new Error(name);
        return name;
      };
    const results = await Promise.allSettled([sut.run('a', step('one', true)), sut.run('a', step('two')), sut.run('b', step('other'))]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(seen.indexOf('one end')).toBeLessThan(seen.indexOf('two start'));
    expect(seen.indexOf('other start')).toBeLessThan(seen.indexOf('one end'));
  });
});
