import { Injectable, Logger } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { plainToInstance } from 'class-transformer';
import { AppConfig } from '../config/app-config';
import { maskId } from '../logging/redaction';
import { TaskContext } from '../task-registry/task-context';
import { TaskDefinition } from '../task-registry/task-definition';
import { TaskRegistry } from '../task-registry/task-registry';
import { SensitiveKwargs } from '../secrets/sensitive-kwargs';
import { Execution } from '../executions/execution.entity';
import { ExecutionRecorder } from './execution-recorder';
import { CancelRequested, ExecutionTimedOut } from './run-abort';
import { RunningExecutions } from './running-executions';
import { ABANDONED_REASON } from '../executions/takeover-rule';
import { checkProgress, checkResult } from './task-result';

/**
 * Runs one execution: claim the record, call the handler with its context, record the outcome.
 * Handler errors are rethrown so BullMQ's attempts and backoff apply; on the last attempt, or for
 * failures a retry cannot fix, an `UnrecoverableError` stops BullMQ from trying again.
 *
 * Cancellation fires the signal and waits for the handler: one that ignores it keeps its real
 * outcome. A timeout is a hard limit: the record ends `timeout` at the deadline, and whatever the
 * handler returns later is dropped by the fenced write.
 */
@Injectable()
export class ExecutionRunner {
  private readonly logger = new Logger(ExecutionRunner.name);

  constructor(
    private readonly config: AppConfig,
    private readonly registry: TaskRegistry,
    private readonly recorder: ExecutionRecorder,
    private readonly running: RunningExecutions,
    private readonly sensitive: SensitiveKwargs,
  ) {}

  /**
   * `jobStarts`: how many attempts the record should count once this start is one of them (the
   * attempts made before its job was last enqueued, plus BullMQ's starts of this job).
   */
  async run(executionId: string, jobStarts: number): Promise<void> {
    const run = await this.recorder.claim(executionId, jobStarts);
    if (!run) {
      if (await this.recorder.failAbandoned(executionId, jobStarts)) {
        this.logger.warn(`execution ${maskId(executionId)} failed: ${ABANDONED_REASON}`);
        throw new UnrecoverableError(ABANDONED_REASON);
      }
      this.logger.debug(`execution ${maskId(executionId)} is not ours to run; job skipped`);
      return;
    }
    const task = this.registry.find(run.taskName);
    if (!task) {
      await this.recorder.fail(run, new Error(`task "${run.taskName}" is not registered in this worker`), true);
      throw new UnrecoverableError(`task "${run.taskName}" is not registered`);
    }

    const controller = new AbortController();
    this.running.add(run.id, controller);
    if (run.cancelRequestedAt) controller.abort(new CancelRequested());
    const handler = Promise.resolve().then(() => task.handler(this.contextFor(run, task, controller.signal)));
    let outcome: unknown;
    try {
      outcome = await this.withDeadline(handler, run, controller);
    } catch (error) {
      await this.recordFailure(run, controller.signal, error, handler);
      return;
    } finally {
      this.running.remove(run.id);
    }

    const result = checkResult(outcome, this.config.resultLimitBytes);
    if (!result.ok) {
      await this.recorder.fail(run, new Error(result.reason), true);
      throw new UnrecoverableError(result.reason);
    }
    const written = await this.recorder.complete(run, result.value);
    if (!written) this.logger.warn(`execution ${maskId(run.id)} changed under attempt ${run.attempts}; its result was dropped`);
  }

  private async withDeadline(handler: Promise<unknown>, run: Execution, controller: AbortController): Promise<unknown> {
    if (!run.timeoutMs) return handler;
    const timeoutMs = run.timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        const reason = new ExecutionTimedOut(timeoutMs);
        controller.abort(reason);
        reject(reason);
      }, timeoutMs);
    });
    handler.catch(() => undefined); // after a timeout its late rejection is of no interest
    try {
      return await Promise.race([handler, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Records why the run ended without a result; rethrows only what BullMQ should retry. */
  private async recordFailure(run: Execution, signal: AbortSignal, error: unknown, handler: Promise<unknown>): Promise<void> {
    const reason: unknown = signal.aborted ? signal.reason : undefined;
    if (reason instanceof ExecutionTimedOut) {
      await this.recorder.abort(run, 'timeout', reason.message);
      // The record says timeout at the deadline, but the job (and so the worker's slot) is held until
      // the handler lets go: one that ignores its signal cannot take the worker past its concurrency.
      await this.untilSettled(run, handler);
      throw new UnrecoverableError(reason.message);
    }
    if (reason instanceof CancelRequested) {
      await this.recorder.abort(run, 'cancelled', reason.message);
      return; // done as far as the queue is concerned
    }
    const final = run.attempts >= run.maxAttempts;
    await this.recorder.fail(run, error, final);
    if (final) throw new UnrecoverableError((error as Error)?.message ?? String(error));
    throw error;
  }

  private contextFor(run: Execution, task: TaskDefinition, signal: AbortSignal): TaskContext<object> {
    // The only place sensitive values are in clear: the handler's own context, never the record.
    const clear = this.sensitive.open(task, run.kwargs);
    const kwargs = task.kwargsType ? plainToInstance(task.kwargsType, clear) : clear;
    return {
      executionId: run.id,
      ownerId: run.ownerId,
      taskName: run.taskName,
      attempt: run.attempts,
      args: run.args,
      kwargs,
      file: run.filePath ? { path: run.filePath, name: run.fileName ?? 'upload', size: run.fileSize ?? 0 } : undefined,
      signal,
      logger: new Logger(`task:${task.name}`),
      progress: async (update) => {
        const problem = checkProgress(update as Record<string, unknown>);
        if (problem) throw new TypeError(`ctx.progress: ${problem}`);
        await this.recorder.progress(run, update);
      },
    };
  }

  private async untilSettled(run: Execution, handler: Promise<unknown>): Promise<void> {
    const late = setTimeout(
      () =>
        this.logger.warn(`execution ${maskId(run.id)} timed out but its handler ignores the signal; its slot stays taken until it returns`),
      1000,
    );
    late.unref();
    await handler.then(
      () => undefined,
      () => undefined,
    );
    clearTimeout(late);
  }
}
