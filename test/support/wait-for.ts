import { setTimeout as sleep } from 'node:timers/promises';
import { ExecutionStatus, isTerminal } from '../../src/executions/execution-status';
import type { TestApp } from './test-app';

export interface PollOptions {
  timeoutMs: number;
  intervalMs: number;
}

/** Thrown by `pollUntil` when time runs out; carries the last value read, for a spec that wants it. */
export class PollTimeoutError<T> extends Error {
  constructor(
    readonly last: T,
    timeoutMs: number,
  ) {
    super(`condition not met in ${timeoutMs} ms; last read: ${preview(last)}`);
  }
}

/** Reads until `predicate` holds for what was read, and answers that. The one way specs wait: never a fixed sleep. */
export async function pollUntil<T>(
  read: () => T | Promise<T>,
  predicate: (value: T) => boolean,
  { timeoutMs, intervalMs }: PollOptions,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (predicate(value)) return value;
    if (Date.now() >= deadline) throw new PollTimeoutError(value, timeoutMs);
    await sleep(intervalMs);
  }
}

/** Polls `GET /executions/{id}` until `done` holds (default: a terminal status). */
export async function waitForExecution(
  testApp: TestApp,
  auth: string,
  id: string,
  done: (body: Record<string, any>) => boolean = (body) => isTerminal(body.status as ExecutionStatus),
  timeoutMs = 15_000,
): Promise<Record<string, any>> {
  const read = () => testApp.http().get(`/api/v1/executions/${id}`).set('Authorization', auth);
  const response = await pollUntil(read, (answer) => answer.status === 200 && done(answer.body), { timeoutMs, intervalMs: 50 }).catch(
    (error: unknown) => {
      if (error instanceof PollTimeoutError)
        throw new Error(
          `execution ${id} did not reach the expected state in ${timeoutMs} ms; last seen: ${JSON.stringify(error.last.body)}`,
        );
      throw error;
    },
  );
  return response.body;
}

function preview(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? value : String(JSON.stringify(value));
  } catch {
    text = String(value); // circular, e.g. an HTTP response
  }
  return text.length <= 2000 ? text : `…${text.slice(-2000)}`;
}
