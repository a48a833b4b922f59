import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { AppConfig } from '../config/app-config';
import { LazyRedis } from '../queue/redis-connection';
import { WEBHOOK_QUEUE, webhookJobId, WebhookEvent, WebhookJobData } from './webhook-job';

const KEEP_COMPLETED_JOBS = { count: 1000 };
const KEEP_FAILED_JOBS = { age: 7 * 24 * 3600 };

/**
 * The producer side of deliveries: one BullMQ job per delivery, under the app's QUEUE_PREFIX, so
 * a delivery waits in Redis for a worker-role process and survives restarts. BullMQ's attempts
 * and exponential backoff carry the retries (WEBHOOK_ATTEMPTS, WEBHOOK_BACKOFF_MS doubling).
 */
@Injectable()
export class WebhookQueue implements OnApplicationShutdown {
  // Commands wait for the connection at start and give up quickly while Redis is away: a delivery
  // that could not be added is found again by the reconciler.
  private readonly connection: LazyRedis;
  private queue?: Queue<WebhookJobData>;

  constructor(private readonly config: AppConfig) {
    this.connection = new LazyRedis(config.redisUrl, 'limiter');
  }

  async add(job: WebhookJobData): Promise<void> {
    await this.get().add(job.event, job, {
      jobId: webhookJobId(job.executionId, job.event),
      attempts: this.config.webhookAttempts,
      backoff: { type: 'exponential', delay: this.config.webhookBackoffMs },
      removeOnComplete: KEEP_COMPLETED_JOBS,
      removeOnFail: KEEP_FAILED_JOBS,
    });
  }

  /** The BullMQ state of an execution's delivery job, `unknown` when Redis holds none. */
  state(executionId: string, event: WebhookEvent): Promise<string> {
    return this.get().getJobState(webhookJobId(executionId, event));
  }

  private get(): Queue<WebhookJobData> {
    if (!this.queue) {
      this.queue = new Queue<WebhookJobData>(WEBHOOK_QUEUE, { connection: this.connection.get(), prefix: this.config.queuePrefix });
      this.queue.on('error', () => undefined);
    }
    return this.queue;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue?.close().catch(() => undefined);
    this.connection.disconnect();
  }
}
