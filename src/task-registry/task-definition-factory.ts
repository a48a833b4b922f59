import { parseRetention, RETENTION_HINT } from '../common/duration';
import { ApiTaskMetadata } from './api-task.decorator';
import { TaskDeclarationError } from './task-declaration-error';
import { TaskDefinition } from './task-definition';
import { defaultTaskName, MAX_TASK_NAME_LENGTH, PERMISSION_PATTERN, QUEUE_PATTERN, TASK_NAME_PATTERN } from './task-naming';

export const DEFAULT_QUEUE = 'default';

/** Checks one `@ApiTask` declaration and turns it into a definition, or throws naming the method. */
export function toTaskDefinition(
  className: string,
  methodName: string,
  metadata: ApiTaskMetadata,
  handler: TaskDefinition['handler'],
): TaskDefinition {
  const source = `${className}.${methodName}`;
  const fail = (problem: string) => new TaskDeclarationError(source, problem);
  const { permissions, description, options } = metadata;

  const name = options.name ?? defaultTaskName(className, methodName);
  if (!TASK_NAME_PATTERN.test(name) || name.length > MAX_TASK_NAME_LENGTH) {
    throw fail(`invalid task name "${name}": use lower-case dotted words such as "reports.monthly"`);
  }
  if (!Array.isArray(permissions) || permissions.some((p) => typeof p !== 'string' || !PERMISSION_PATTERN.test(p))) {
    throw fail(`permissions must be codenames matching ${PERMISSION_PATTERN}, got ${JSON.stringify(permissions)}`);
  }
  if (permissions.length === 0 && options.public !== true) {
    throw fail('declares no permission; list at least one, or mark the task { public: true }');
  }
  if (permissions.length > 0 && options.public === true) {
    throw fail('is marked public but also lists permissions; choose one');
  }
  if (typeof description !== 'string' || description.trim() === '') throw fail('needs a description');
  if (options.kwargs !== undefined && typeof options.kwargs !== 'function') throw fail('kwargs must be a class');
  checkPositiveInt(options.timeoutMs, 'timeoutMs', fail);
  checkPositiveInt(options.attempts, 'attempts', fail);
  checkPositiveInt(options.concurrency, 'concurrency', fail);
  const queue = options.queue ?? DEFAULT_QUEUE;
  if (!QUEUE_PATTERN.test(queue)) throw fail(`invalid queue name "${queue}"`);
  if (options.backoff) {
    const { type, delayMs } = options.backoff;
    if (type !== 'fixed' && type !== 'exponential') throw fail('backoff.type must be "fixed" or "exponential"');
    if (!Number.isInteger(delayMs) || delayMs < 0) throw fail('backoff.delayMs must be a whole number ≥ 0');
  }
  const retainMs = options.retain === undefined ? undefined : parseRetention(options.retain);
  if (retainMs === null) throw fail(`retain must be ${RETENTION_HINT} (at most 36500d), got ${JSON.stringify(options.retain)}`);

  return new TaskDefinition({
    name,
    description: description.trim(),
    permissions: [...permissions],
    isPublic: options.public === true,
    kwargsType: options.kwargs,
    timeoutMs: options.timeoutMs,
    attempts: options.attempts ?? 1,
    backoff: options.backoff,
    queue,
    concurrency: options.concurrency,
    acceptsFile: options.acceptsFile === true,
    retainMs,
    source,
    handler,
  });
}

function checkPositiveInt(value: number | undefined, field: string, fail: (problem: string) => Error): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) throw fail(`${field} must be a whole number ≥ 1`);
}
