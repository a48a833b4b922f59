import { Injectable } from '@nestjs/common';
import { NotFoundError } from '../common/domain-errors';
import { TaskDeclarationError } from './task-declaration-error';
import { TaskDefinition } from './task-definition';

@Injectable()
export class TaskRegistry {
  private readonly tasks = new Map<string, TaskDefinition>();

  register(task: TaskDefinition): void {
    const existing = this.tasks.get(task.name);
    if (existing) {
      throw new TaskDeclarationError(task.source, `task name "${task.name}" is already used by ${existing.source}`);
    }
    this.tasks.set(task.name, task);
  }

  find(name: string): TaskDefinition | undefined {
    return this.tasks.get(name);
  }

  get(name: string): TaskDefinition {
    const task = this.tasks.get(name);
    if (!task) throw new NotFoundError(`task "${name}" is not registered`);
    return task;
  }

  all(): TaskDefinition[] {
    return [...this.tasks.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Queue name → the concurrency its workers use (the largest any of its tasks asks for). */
  queues(defaultConcurrency: number): Map<string, number> {
    const queues = new Map<string, number>();
    for (const task of this.tasks.values()) {
      const wanted = task.concurrency ?? defaultConcurrency;
      queues.set(task.queue, Math.max(queues.get(task.queue) ?? 0, wanted));
    }
    return queues;
  }
}
