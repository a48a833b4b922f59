import { Injectable, Logger } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { plainToInstance } from 'class-transformer';
import { AppConfig } from '../config/app-config';
import { TaskContext } from '../task-registry/task-context';
import { TaskDefinition } from '../task-registry/task-definition';
import { TaskRegistry } from '../task-registry/task-registry';
import { Execution } from './execution.entity';
import { ExecutionRecorder } from './execution-recorder';
import { checkProgress, checkResult } from './task-result';

/**
 * Runs one execution: claim the record, call the handler with its context, record the outcome.
 * Handler errors are rethrown so BullMQ's attempts and backoff apply; on the last attempt, or for
 * failures a retry cannot fix, an `UnrecoverableError` stops BullMQ from trying again.
 */
@Injectable()
export class ExecutionRunner {
  private readonly logger = new Logger(ExecutionRunner.name);

  constructor(
    private readonly config: AppConfig,
    private readonly registry: TaskRegistry,
    private readonly recorder: ExecutionRecorder,
  ) {}

  async run(executionId: string): Promise<void> {
    const run = await this.recorder.claim(executionId);
    if (!run) {
      this.logger.debug(`execution ${executionId.slice(0, 8)}… is not pending; job skipped`);
      return;
    }
    const task = this.registry.find(run.taskName);
    if (!task) {
      await this.recorder.fail(run, new Error(`task "${run.taskName}" is not registered in this worker`), true);
      throw new UnrecoverableError(`task "${run.taskName}" is not registered`);
    }

    let outcome: unknown;
    try {
      outcome = await task.handler(this.contextFor(run, task, new AbortController().signal));
    } catch (error) {
      const final = run.attempts >= run.maxAttempts;
      await this.recorder.fail(run, error, final);
      if (final) throw new UnrecoverableError((error as Error)?.message ?? String(error));
      throw error;
    }

    const result = checkResult(outcome, this.config.resultLimitBytes);
    if (!result.ok) {
      await this.recorder.fail(run, new Error(result.reason), true);
      throw new UnrecoverableError(result.reason);
    }
    const written = await this.recorder.complete(run, result.value);
    if (!written) this.logger.warn(`execution ${run.id.slice(0, 8)}… changed under attempt ${run.attempts}; its result was dropped`);
  }

  private contextFor(run: Execution, task: TaskDefinition, signal: AbortSignal): TaskContext<object> {
    const kwargs = task.kwargsType ? plainToInstance(task.kwargsType, run.kwargs) : run.kwargs;
    return {
      executionId: run.id,
      ownerId: run.ownerId,
      taskName: run.taskName,
      attempt: run.attempts,
      args: run.args,
      kwargs,
      signal,
      logger: new Logger(`task:${task.name}`),
      progress: async (update) => {
        const problem = checkProgress(update as Record<string, unknown>);
        if (problem) throw new TypeError(`ctx.progress: ${problem}`);
        await this.recorder.progress(run, update);
      },
    };
  }
}
