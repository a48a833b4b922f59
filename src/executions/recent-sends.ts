/**
 * When each execution's last event went out, for coalescing progress. Only the last `windowMs`
 * matter, so older entries are swept out now and then: an execution that ends in another process
 * (or never) leaves nothing behind here.
 */
export class RecentSends {
  private readonly sentAt = new Map<string, number>();
  private lastSweep = 0;

  constructor(
    private readonly windowMs: number,
    private readonly sweepEveryMs = 10 * windowMs,
  ) {}

  /** Milliseconds since the last send for the execution (Infinity: none within memory). */
  since(executionId: string, now = Date.now()): number {
    const at = this.sentAt.get(executionId);
    return at === undefined ? Infinity : now - at;
  }

  sent(executionId: string, now = Date.now()): void {
    if (now - this.lastSweep >= this.sweepEveryMs) {
      this.lastSweep = now;
      for (const [id, at] of this.sentAt) if (now - at >= this.windowMs) this.sentAt.delete(id);
    }
    this.sentAt.set(executionId, now);
  }

  forget(executionId: string): void {
    this.sentAt.delete(executionId);
  }

  get size(): number {
    return this.sentAt.size;
  }
}
