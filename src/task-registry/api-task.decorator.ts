import { SetMetadata } from '@nestjs/common';
import { TaskBackoff } from './task-definition';

export const API_TASK_METADATA = 'taskgate:api-task';

export interface ApiTaskOptions {
  /** Defaults to `<class>.<method>` in snake case, with a trailing `Tasks`/`Task`/`Service` dropped: `ReportTasks.monthlySummary` → `report.monthly_summary`. */
  name?: string;
  /** A class-validator DTO; kwargs that fail it are a 400 at execute time. */
  kwargs?: new () => object;
  /** The most a run may take; callers may ask for less with `timeout_ms`. */
  timeoutMs?: number;
  /** Total runs allowed, first included (default 1: no automatic retry). */
  attempts?: number;
  backoff?: TaskBackoff;
  /** BullMQ queue (default `default`). */
  queue?: string;
  /** Jobs of this queue a worker runs at once. */
  concurrency?: number;
  acceptsFile?: boolean;
  /** Required to declare a task without permissions: any authenticated caller may run it. */
  public?: boolean;
  /**
   * How long its finished executions are kept after they finished, overriding `RETENTION`:
   * a duration in `s`, `m`, `h` or `d` (`'7d'`), or `0` to keep them forever.
   */
  retain?: string | 0;
}

export interface ApiTaskMetadata {
  permissions: string[];
  description: string;
  options: ApiTaskOptions;
}

/**
 * Exposes a provider method as a task that callers may execute over HTTP.
 * The caller needs every permission listed (or admin). The method receives a `TaskContext`.
 */
export function ApiTask(permissions: string[], description: string, options: ApiTaskOptions = {}): MethodDecorator {
  return SetMetadata<string, ApiTaskMetadata>(API_TASK_METADATA, { permissions, description, options });
}
