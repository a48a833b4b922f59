import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { Job, Worker } from 'bullmq';
import type IORedis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { attemptsWithThisStart, ExecutionJobData } from '../queue/execution-job';
import { createRedisConnection } from '../queue/redis-connection';
import { TaskRegistry } from '../task-registry/task-registry';
import { ExecutionRunner } from './execution-runner';

const MAX_STALLED_REDELIVERIES = 1000;

/**
 * The consumer side: one BullMQ `Worker` per queue this process serves (all queues of registered
 * tasks, or those named in `QUEUES`), each with the largest concurrency its tasks ask for.
 */
@Injectable()
export class ExecutionWorkers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ExecutionWorkers.name);
  private readonly workers: Array<{ worker: Worker<ExecutionJobData>; connection: IORedis }> = [];

  constructor(
    private readonly config: AppConfig,
    private readonly registry: TaskRegistry,
    private readonly runner: ExecutionRunner,
  ) {}

  onApplicationBootstrap(): void {
    const known = this.registry.queues(this.config.workerConcurrency);
    for (const unknown of this.config.queues.filter((queue) => !known.has(queue))) {
      this.logger.warn(`QUEUES names "${unknown}", which no registered task uses`);
    }
    for (const [queue, concurrency] of known) {
      if (this.config.queues.length > 0 && !this.config.queues.includes(queue)) continue;
      const connection = createRedisConnection(this.config.redisUrl, 'worker');
      const runJob = (job: Job<ExecutionJobData>) =>
        this.runner.run(job.data.executionId, attemptsWithThisStart(job.data, job.attemptsStarted));
      const worker = new Worker<ExecutionJobData>(queue, runJob, {
        connection,
        prefix: this.config.queuePrefix,
        concurrency,
        // A dead worker's lock lapses after this long and the stalled check hands its job on.
        stalledInterval: this.config.stalledIntervalMs,
        lockDuration: this.config.stalledIntervalMs,
        // The claim decides how often a run may be taken over (attempts); BullMQ must not give up first.
        maxStalledCount: MAX_STALLED_REDELIVERIES,
      });
      worker.on('error', (error) => this.logger.warn(`worker for queue "${queue}": ${error.message}`));
      this.workers.push({ worker, connection });
      this.logger.log(`consuming queue "${queue}" with concurrency ${concurrency}`);
    }
  }

  /**
   * Graceful stop, before the database and Redis connections close: take no new jobs, give the
   * running ones `SHUTDOWN_GRACE_MS` to finish, then let go of the rest. Those stay active in
   * BullMQ until their lock lapses, and another worker takes them over: not lost, not failed.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.workers.length === 0) return;
    const closing = Promise.all(this.workers.map(({ worker }) => worker.close())).then(
      () => true,
      () => true,
    );
    const finished = await Promise.race([closing, sleep(this.config.shutdownGraceMs, false, { ref: false })]);
    if (!finished) {
      // BullMQ's close() cannot be hurried once started; dropping the connection stops the lock
      // renewals, so the jobs' locks lapse and another worker's stalled check takes them over.
      this.logger.warn(`jobs still running after SHUTDOWN_GRACE_MS=${this.config.shutdownGraceMs}; leaving them to another worker`);
    }
    for (const { connection } of this.workers) connection.disconnect();
    this.workers.length = 0;
  }
}
