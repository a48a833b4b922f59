import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { JobsOptions, Queue } from 'bullmq';
import type IORedis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { ServiceUnavailableError } from '../common/domain-errors';
import { TaskDefinition } from '../task-registry/task-definition';
import { DEFAULT_PRIORITY, EXECUTION_JOB_NAME, ExecutionJobData, QueuedRecord, toBullPriority } from './execution-job';
import { createRedisConnection } from './redis-connection';
import { whenReady } from './redis-ready';

/** How long an execute request waits for Redis before answering 503. */
const ENQUEUE_TIMEOUT_MS = 5000;

/**
 * The record in SQL is what callers read, so Redis keeps only the last thousand completed jobs (for
 * a look at the queue when something is wrong): a bounded set with one trim rule, not an hour's worth.
 */
const KEEP_COMPLETED_JOBS = { count: 1000 };
const KEEP_FAILED_JOBS = { age: 7 * 24 * 3600 };

export interface JobToAdd {
  data: ExecutionJobData;
  opts: JobsOptions;
}

/** The job of an execution: `jobId` = execution id; attempts, backoff, delay and priority from the record and task. */
export function jobFor(execution: QueuedRecord, task: TaskDefinition | undefined, delayMs: number): JobToAdd {
  return {
    data: { executionId: execution.id, ...(execution.attempts > 0 ? { attemptsBefore: execution.attempts } : {}) },
    opts: {
      jobId: execution.id,
      // BullMQ retries what the record has not used up; the record's count is the one that decides.
      attempts: Math.max(1, execution.maxAttempts - execution.attempts),
      backoff: task?.backoff ? { type: task.backoff.type, delay: task.backoff.delayMs } : undefined,
      delay: delayMs > 0 ? delayMs : undefined,
      priority: toBullPriority(execution.priority ?? DEFAULT_PRIORITY),
      removeOnComplete: KEEP_COMPLETED_JOBS,
      removeOnFail: KEEP_FAILED_JOBS,
    },
  };
}

/** The producer side: one BullMQ `Queue` per queue name, created on first use. */
@Injectable()
export class ExecutionQueues implements OnApplicationShutdown {
  private readonly queues = new Map<string, { queue: Queue<ExecutionJobData>; connection: IORedis }>();

  constructor(private readonly config: AppConfig) {}

  get(name: string): Queue<ExecutionJobData> {
    return this.entry(name).queue;
  }

  private entry(name: string): { queue: Queue<ExecutionJobData>; connection: IORedis } {
    let entry = this.queues.get(name);
    if (!entry) {
      const connection = createRedisConnection(this.config.redisUrl, 'producer');
      connection.on('error', () => undefined); // surfaced where it matters: as a failed add
      const queue = new Queue<ExecutionJobData>(name, { connection, prefix: this.config.queuePrefix });
      queue.on('error', () => undefined);
      entry = { queue, connection };
      this.queues.set(name, entry);
    }
    return entry;
  }

  /** Adds the job with `jobId` = execution id, so adding it again is never a second job. */
  async enqueue(execution: QueuedRecord, task: TaskDefinition | undefined, delayMs: number): Promise<void> {
    await this.enqueueMany(execution.queue, [jobFor(execution, task, delayMs)]);
  }

  /**
   * Adds the jobs of one queue in one round trip. BullMQ's addBulk is a pipeline, not a transaction:
   * on failure some jobs may exist; the intake fails their records, and the claim then skips them.
   */
  async enqueueMany(queueName: string, jobs: JobToAdd[]): Promise<void> {
    const { queue, connection } = this.entry(queueName);
    try {
      await whenReady(connection, ENQUEUE_TIMEOUT_MS);
      if (jobs.length === 1) await queue.add(EXECUTION_JOB_NAME, jobs[0].data, jobs[0].opts);
      else await queue.addBulk(jobs.map((job) => ({ name: EXECUTION_JOB_NAME, ...job })));
    } catch (error) {
      throw new ServiceUnavailableError(`the queue is unavailable: ${(error as Error).message}`);
    }
  }

  /**
   * The job's state, `unknown` when Redis holds no such job. Answers one state per id, in order.
   * Checked by the reconciler; a job that is waiting, delayed or active is alive.
   */
  async states(queueName: string, jobIds: string[]): Promise<string[]> {
    const queue = this.get(queueName);
    return Promise.all(jobIds.map((id) => queue.getJobState(id)));
  }

  /** Removes a job that is waiting or delayed; false if it is running (locked) or gone. */
  async remove(queueName: string, jobId: string): Promise<boolean> {
    try {
      return (await this.get(queueName).remove(jobId)) === 1;
    } catch {
      return false;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    // BullMQ leaves connections it was given open; they are ours to close.
    await Promise.allSettled([...this.queues.values()].map(({ queue }) => queue.close()));
    for (const { connection } of this.queues.values()) connection.disconnect();
    this.queues.clear();
  }
}
