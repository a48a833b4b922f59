import { TaskContext } from './task-context';

export interface TaskBackoff {
  type: 'fixed' | 'exponential';
  delayMs: number;
}

/** A task as the registry holds it: the declaration plus the bound handler. */
export class TaskDefinition {
  constructor(
    readonly name: string,
    readonly description: string,
    readonly permissions: readonly string[],
    readonly isPublic: boolean,
    readonly kwargsType: (new () => object) | undefined,
    readonly timeoutMs: number | undefined,
    readonly attempts: number,
    readonly backoff: TaskBackoff | undefined,
    readonly queue: string,
    readonly concurrency: number | undefined,
    readonly acceptsFile: boolean,
    /** `ClassName.method`, for messages. */
    readonly source: string,
    readonly handler: (ctx: TaskContext<any>) => unknown,
  ) {}

  missingPermissions(held: readonly string[]): string[] {
    return this.permissions.filter((permission) => !held.includes(permission));
  }
}
