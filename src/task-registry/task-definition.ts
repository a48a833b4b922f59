import { sensitiveFields } from './sensitive.decorator';
import { TaskContext } from './task-context';

export interface TaskBackoff {
  type: 'fixed' | 'exponential';
  delayMs: number;
}

export interface TaskDefinitionOptions {
  name: string;
  description: string;
  permissions: readonly string[];
  isPublic: boolean;
  kwargsType: (new () => object) | undefined;
  timeoutMs: number | undefined;
  attempts: number;
  backoff: TaskBackoff | undefined;
  queue: string;
  concurrency: number | undefined;
  acceptsFile: boolean;
  /** Its own retention in ms (0: forever); undefined: `RETENTION` applies. */
  retainMs: number | undefined;
  /** `ClassName.method`, for messages. */
  source: string;
  // Each handler names its own kwargs type; `any` lets the registry hold them all.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  handler: (ctx: TaskContext<any>) => unknown;
}

/** A task as the registry holds it: the declaration plus the bound handler. */
export class TaskDefinition implements Readonly<TaskDefinitionOptions> {
  readonly name: string;
  readonly description: string;
  readonly permissions: readonly string[];
  readonly isPublic: boolean;
  readonly kwargsType: (new () => object) | undefined;
  readonly timeoutMs: number | undefined;
  readonly attempts: number;
  readonly backoff: TaskBackoff | undefined;
  readonly queue: string;
  readonly concurrency: number | undefined;
  readonly acceptsFile: boolean;
  /** Its own retention in ms (0: forever); undefined: `RETENTION` applies. */
  readonly retainMs: number | undefined;
  /** `ClassName.method`, for messages. */
  readonly source: string;
  readonly handler: TaskDefinitionOptions['handler'];
  /** Its kwargs properties marked `@Sensitive()`: encrypted at rest, `"***"` when shown. */
  readonly sensitiveFields: readonly string[];

  constructor(options: TaskDefinitionOptions) {
    this.name = options.name;
    this.description = options.description;
    this.permissions = options.permissions;
    this.isPublic = options.isPublic;
    this.kwargsType = options.kwargsType;
    this.timeoutMs = options.timeoutMs;
    this.attempts = options.attempts;
    this.backoff = options.backoff;
    this.queue = options.queue;
    this.concurrency = options.concurrency;
    this.acceptsFile = options.acceptsFile;
    this.retainMs = options.retainMs;
    this.source = options.source;
    this.handler = options.handler;
    this.sensitiveFields = sensitiveFields(options.kwargsType);
  }

  missingPermissions(held: readonly string[]): string[] {
    return this.permissions.filter((permission) => !held.includes(permission));
  }
}
