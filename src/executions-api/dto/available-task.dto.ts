import { ApiProperty } from '@nestjs/swagger';
import type { Caller } from '../../permissions/caller';
import { GrantConditions } from '../../permissions/grant-conditions';
import { kwargsSchema, kwargsSchemaName } from '../../task-registry/kwargs-validation';
import { TaskDefinition } from '../../task-registry/task-definition';

/** Per permission: `null` when held unconditionally (or by an admin), else the conditions of each grant. */
const CONDITIONS_BY_PERMISSION = {
  type: 'array',
  nullable: true,
  items: { type: 'object', additionalProperties: true },
  example: [{ 'kwargs.amount': { $lte: 100 } }],
};
const CONDITIONS_DESCRIPTION =
  'per permission of the task: null when this caller holds it unconditionally, else the conditions of its grants (SPEC 7.7); ' +
  'a request must meet those of one grant';

export class AvailableTaskDto {
  @ApiProperty({ example: 'demo.add' }) task_name: string;
  @ApiProperty() description: string;
  @ApiProperty({ type: [String], description: 'the caller needs every one of them (or admin)' }) permissions: string[];
  @ApiProperty() queue: string;
  @ApiProperty() accepts_file: boolean;
  @ApiProperty({ type: Number, nullable: true, description: 'the most a run may take' }) timeout_ms: number | null;
  @ApiProperty() max_attempts: number;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'JSON Schema of kwargs' }) kwargs_schema: Record<string, unknown>;
  @ApiProperty({
    description: 'where the same schema sits in the OpenAPI document',
    example: '/api/docs-json#/components/schemas/TaskKwargs.demo.add',
  })
  kwargs_schema_ref: string;
  @ApiProperty({ type: 'object', additionalProperties: CONDITIONS_BY_PERMISSION, description: CONDITIONS_DESCRIPTION })
  conditions: Record<string, GrantConditions[] | null>;
}

/** A permission's conditions for this caller as the API shows them; `null`: unconditional. */
export function conditionsOf(caller: Caller, permission: string): GrantConditions[] | null {
  return caller.conditions[permission] ?? null;
}

export function toAvailableTaskDto(task: TaskDefinition, caller: Caller): AvailableTaskDto {
  return {
    task_name: task.name,
    description: task.description,
    permissions: [...task.permissions],
    queue: task.queue,
    accepts_file: task.acceptsFile,
    timeout_ms: task.timeoutMs ?? null,
    max_attempts: task.attempts,
    kwargs_schema: kwargsSchema(task),
    kwargs_schema_ref: `/api/docs-json#/components/schemas/${kwargsSchemaName(task)}`,
    conditions: Object.fromEntries(task.permissions.map((permission) => [permission, conditionsOf(caller, permission)])),
  };
}
