interface Waiting<I, O> {
  item: I;
  resolve: (written: O) => void;
  reject: (error: unknown) => void;
}

export interface WriteBatcherOptions<I, O> {
  /** Writes the items in one statement or transaction; answers one result per item, in order. */
  writeMany: (items: I[]) => Promise<O[]>;
  /** Writes one item on its own: the way back when a batch fails, so a bad row fails only its caller. */
  writeOne: (item: I) => Promise<O>;
  /** Told why a batch failed before its items are written one by one. */
  onBatchFailure: (error: unknown, size: number) => void;
  maxBatch: number;
}

/**
 * Gathers the writes asked for while the previous batch is being written and writes them together:
 * nothing waits for a batch to fill, so a lone write goes out at once, and under load many rows
 * share one statement and one commit. Each caller's promise settles when its own row is committed.
 */
export class WriteBatcher<I, O> {
  private waiting: Array<Waiting<I, O>> = [];
  private flushing = false;

  constructor(private readonly options: WriteBatcherOptions<I, O>) {}

  write(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        // Those arriving in the same turn of the event loop share the first batch.
        setImmediate(() => void this.flushAll());
      }
    });
  }

  private async flushAll(): Promise<void> {
    while (this.waiting.length > 0) {
      await this.flush(this.waiting.splice(0, this.options.maxBatch));
    }
    this.flushing = false;
  }

  private async flush(batch: Array<Waiting<I, O>>): Promise<void> {
    let results: O[];
    try {
      results = await this.options.writeMany(batch.map((entry) => entry.item));
    } catch (error) {
      this.options.onBatchFailure(error, batch.length);
      await Promise.all(batch.map((entry) => this.options.writeOne(entry.item).then(entry.resolve, entry.reject)));
      return;
    }
    batch.forEach((entry, index) => entry.resolve(results[index]));
  }
}
