import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Worker } from 'bullmq';
import type IORedis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { createRedisConnection } from '../queue/redis-connection';
import { WebhookDeliverer } from './webhook-deliverer';
import { WEBHOOK_QUEUE, WebhookJobData } from './webhook-job';

/** Deliveries at once per process: each mostly waits on a receiver. */
const CONCURRENCY = 20;

/** The consumer of the delivery queue, in every process that runs jobs (ROLE=worker or all). */
@Injectable()
export class WebhookWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookWorker.name);
  private worker?: Worker<WebhookJobData>;
  private connection?: IORedis;

  constructor(
    private readonly config: AppConfig,
    private readonly deliverer: WebhookDeliverer,
  ) {}

  onApplicationBootstrap(): void {
    this.connection = createRedisConnection(this.config.redisUrl, 'worker');
    this.worker = new Worker<WebhookJobData>(WEBHOOK_QUEUE, (job) => this.deliverer.deliver(job), {
      connection: this.connection,
      prefix: this.config.queuePrefix,
      concurrency: CONCURRENCY,
      stalledInterval: this.config.stalledIntervalMs,
      lockDuration: this.config.stalledIntervalMs,
    });
    this.worker.on('error', (error) => this.logger.warn(`webhook worker: ${error.message}`));
  }

  /** Stops taking deliveries; one under way has at most its 10 s timeout left. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.worker?.close().catch(() => undefined);
    this.connection?.disconnect();
  }
}
