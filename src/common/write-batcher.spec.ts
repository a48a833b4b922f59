import { WriteBatcher } from './write-batcher';

function batcher(writeMany: (items: number[]) => Promise<string[]>, writeOne = (item: number) => Promise.resolve(`one ${item}`)) {
  const failures: number[] = [];
  const sut = new WriteBatcher<number, string>({
    writeMany,
    writeOne,
    onBatchFailure: (_error, size) => failures.push(size),
    maxBatch: 3,
  });
  return { sut, failures };
}

describe(WriteBatcher.name, () => {
  it('writes what is asked in one turn together, at most maxBatch at a time, each caller getting its own result', async () => {
    const batches: number[][] = [];
    const { sut } = batcher((items) => {
      batches.push(items);
      return Promise.resolve(items.map((item) => `many ${item}`));
    });
    const results = await Promise.all([1, 2, 3, 4, 5].map((item) => sut.write(item)));
    expect(results).toEqual(['many 1', 'many 2', 'many 3', 'many 4', 'many 5']);
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it('gathers the writes asked for while a batch is in flight into the next one', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const first = new Promise<void>((resolve) => (release = resolve));
    const { sut } = batcher(async (items) => {
      batches.push(items);
      if (batches.length === 1) await first;
      return items.map(String);
    });
    const lone = sut.write(1);
    await new Promise((resolve) => setImmediate(resolve));
    const later = [sut.write(2), sut.write(3)];
    release();
    await Promise.all([lone, ...later]);
    expect(batches).toEqual([[1], [2, 3]]);
  });

  it('writes each row of a failed batch on its own, so only the bad row fails its caller', async () => {
    const { sut, failures } = batcher(
      () => Promise.reject(new Error('batch refused')),
      (item) => (item === 2 ? Promise.reject(new Error('row 2 refused')) : Promise.resolve(`one ${item}`)),
    );
    const outcomes = await Promise.allSettled([1, 2, 3].map((item) => sut.write(item)));
    expect(outcomes).toEqual([
      { status: 'fulfilled', value: 'one 1' },
      { status: 'rejected', reason: new Error('row 2 refused') },
      { status: 'fulfilled', value: 'one 3' },
    ]);
    expect(failures).toEqual([3]);
  });
});
