import { plainToInstance } from 'class-transformer';
import { validate, ValidationError } from 'class-validator';
import { targetConstructorToSchema } from 'class-validator-jsonschema';
import { TaskDefinition } from './task-definition';

export type KwargsCheck = { ok: true; kwargs: object } | { ok: false; problems: string[] };

/** Checks kwargs against the task's DTO (unknown keys rejected); tasks without a DTO take any object. */
export async function checkKwargs(task: TaskDefinition, kwargs: Record<string, unknown>): Promise<KwargsCheck> {
  if (!task.kwargsType) return { ok: true, kwargs };
  const instance = plainToInstance(task.kwargsType, kwargs);
  const errors = await validate(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  if (errors.length === 0) return { ok: true, kwargs: instance };
  return { ok: false, problems: flattenErrors(errors, 'kwargs') };
}

/** The JSON Schema of a task's kwargs, as served by `/tasks/available` and the OpenAPI document. */
export function kwargsSchema(task: TaskDefinition): Record<string, unknown> {
  if (!task.kwargsType) return { type: 'object', additionalProperties: true };
  const schema = targetConstructorToSchema(task.kwargsType, { refPointerPrefix: '#/components/schemas/' });
  // A sensitive value is sent, never read back: the record shows "***".
  const properties = { ...(schema.properties ?? {}) } as Record<string, Record<string, unknown>>;
  for (const field of task.sensitiveFields) properties[field] = { ...properties[field], writeOnly: true };
  return { ...schema, ...(schema.properties ? { properties } : {}), additionalProperties: false };
}

/** The component name of a task's kwargs schema in the OpenAPI document. */
export function kwargsSchemaName(task: TaskDefinition): string {
  return `TaskKwargs.${task.name}`;
}

function flattenErrors(errors: ValidationError[], path: string): string[] {
  return errors.flatMap((error) => {
    const here = `${path}.${error.property}`;
    const own = Object.values(error.constraints ?? {}).map((text) => `${here}: ${text}`);
    return [...own, ...flattenErrors(error.children ?? [], here)];
  });
}
