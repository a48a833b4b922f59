/** Why a run's `AbortSignal` fired; the runner records the matching terminal status. */
export class CancelRequested extends Error {
  constructor() {
    super('cancelled on request');
    this.name = 'CancelRequested';
  }
}

export class ExecutionTimedOut extends Error {
  constructor(readonly timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`);
    this.name = 'ExecutionTimedOut';
  }
}
