import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';

const FIRST_PAUSE_MS = 200;
const LONGEST_PAUSE_MS = 5000;

/**
 * Runs a database write until it succeeds or `windowMs` has passed, pausing longer each time.
 * A worker that finished a handler must not lose its outcome to a database restart: re-running
 * the handler would cost far more than waiting (the job's lock is renewed meanwhile).
 */
export async function persistWithRetry<T>(what: string, windowMs: number, write: () => Promise<T>, logger: Logger): Promise<T> {
  const deadline = Date.now() + windowMs;
  let pause = FIRST_PAUSE_MS;
  for (let failures = 1; ; failures++) {
    try {
      return await write();
    } catch (error) {
      if (Date.now() + pause > deadline) throw error;
      logger.warn(`${what} failed (${failures}): ${(error as Error).message}; retrying in ${pause} ms`);
      await sleep(pause);
      pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
    }
  }
}
