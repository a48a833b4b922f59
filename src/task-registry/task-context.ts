import { LoggerService } from '@nestjs/common';

/** What a handler may report while it runs; every field is optional. */
export interface ProgressUpdate {
  /** 0–100. */
  progress?: number;
  stage?: string;
  total_items?: number;
  completed_items?: number;
  message?: string;
}

/** A file uploaded with the execution (tasks declared `acceptsFile`). */
export interface TaskFile {
  path: string;
  name: string;
  size: number;
}

/**
 * Everything a task handler receives. Delivery is at-least-once: a handler may run again for the
 * same execution (`attempt` tells which run this is), so side effects should be idempotent.
 */
export interface TaskContext<K = Record<string, unknown>> {
  executionId: string;
  ownerId: string;
  taskName: string;
  /** 1 on the first run, 2 on the first retry, … */
  attempt: number;
  args: unknown[];
  /** The validated kwargs, an instance of the task's kwargs DTO when it declares one. */
  kwargs: K;
  file?: TaskFile;
  /** Fires on cancellation and on timeout; long handlers should check it or pass it on. */
  signal: AbortSignal;
  logger: LoggerService;
  /** Persists progress at once; values are checked (progress 0–100, counts ≥ 0). */
  progress(update: ProgressUpdate): Promise<void>;
}
