import { kwargsSchema } from '../../task-registry/kwargs-validation';
import { TaskDefinition } from '../../task-registry/task-definition';

export interface AvailableTaskDto {
  task_name: string;
  description: string;
  permissions: string[];
  queue: string;
  accepts_file: boolean;
  timeout_ms: number | null;
  max_attempts: number;
  kwargs_schema: Record<string, unknown>;
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
  };
}
