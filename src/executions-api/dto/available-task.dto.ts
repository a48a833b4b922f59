import { ApiProperty } from '@nestjs/swagger';
import { kwargsSchema, kwargsSchemaName } from '../../task-registry/kwargs-validation';
import { TaskDefinition } from '../../task-registry/task-definition';

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
}

export function toAvailableTaskDto(task: TaskDefinition): AvailableTaskDto {
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
  };
}
