import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { AppConfig } from '../config/app-config';
import { ServiceUnavailableError } from '../common/domain-errors';
import { Execution } from '../executions/execution.entity';
import { TaskDefinition } from '../task-registry/task-definition';
import { DEFAULT_PRIORITY, EXECUTION_JOB_NAME, ExecutionJobData, toBullPriority } from './execution-job';
import { createRedisConnection } from './redis-connection';

const KEEP_COMPLETED_JOBS = { age: 3600, count: 10_000 };
const KEEP_FAILED_JOBS = { age: 7 * 24 * 3600 };

/** The producer side: one BullMQ `Queue` per queue name, created on first use. */
@Injectable()
export class ExecutionQueues implements OnApplicationShutdown {
  private readonly queues = new Map<string, Queue<ExecutionJobData>>();

  constructor(private readonly config: AppConfig) {}

  get(name: string): Queue<ExecutionJobData> {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue<ExecutionJobData>(name, {
        connection: createRedisConnection(this.config.redisUrl, 'producer'),
        prefix: this.config.queuePrefix,
      });
      queue.on('error', () => undefined); // surfaced where it matters: as a failed add
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** Adds the job with `jobId` = execution id, so adding it again is never a second job. */
  async enqueue(execution: Execution, task: TaskDefinition, delayMs: number): Promise<void> {
    try {
      await this.get(execution.queue).add(
        EXECUTION_JOB_NAME,
        { executionId: execution.id },
        {
          jobId: execution.id,
          attempts: execution.maxAttempts,
          backoff: task.backoff ? { type: task.backoff.type, delay: task.backoff.delayMs } : undefined,
          delay: delayMs > 0 ? delayMs : undefined,
          priority: toBullPriority(execution.priority ?? DEFAULT_PRIORITY),
          removeOnComplete: KEEP_COMPLETED_JOBS,
          removeOnFail: KEEP_FAILED_JOBS,
        },
      );
    } catch (error) {
      throw new ServiceUnavailableError(`the queue is unavailable: ${(error as Error).message}`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.queues.values()].map((queue) => queue.close()));
    this.queues.clear();
  }
}
