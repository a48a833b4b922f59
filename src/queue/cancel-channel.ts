import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type IORedis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { ServiceUnavailableError } from '../common/domain-errors';
import { createRedisConnection, LazyRedis } from './redis-connection';
import { whenReady } from './redis-ready';

const PUBLISH_TIMEOUT_MS = 5000;

type CancelListener = (executionId: string) => void;

/**
 * Cancel requests between processes: the API publishes an execution id on Redis; every worker
 * process hears it and aborts the run if it holds it.
 */
@Injectable()
export class CancelChannel implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CancelChannel.name);
  private readonly publisher: LazyRedis;
  private subscriber?: IORedis;
  private readonly listeners: CancelListener[] = [];

  constructor(private readonly config: AppConfig) {
    this.publisher = new LazyRedis(config.redisUrl, 'producer');
  }

  get channel(): string {
    return `${this.config.queuePrefix}:cancel-requests`;
  }

  onCancel(listener: CancelListener): void {
    this.listeners.push(listener);
  }

  onApplicationBootstrap(): void {
    if (!this.config.runsWorker) return;
    this.subscriber = createRedisConnection(this.config.redisUrl, 'worker');
    this.subscriber.on('error', (error) => this.logger.warn(`cancel subscription: ${error.message}`));
    this.subscriber.on('message', (_channel: string, executionId: string) => {
      for (const listener of this.listeners) listener(executionId);
    });
    // Not awaited: start-up must not hang on Redis; ioredis subscribes (and resubscribes) once connected.
    this.subscriber.subscribe(this.channel).catch((error: Error) => this.logger.warn(`cancel subscription: ${error.message}`));
  }

  async publish(executionId: string): Promise<void> {
    try {
      const publisher = this.publisher.get();
      await whenReady(publisher, PUBLISH_TIMEOUT_MS);
      await publisher.publish(this.channel, executionId);
    } catch (error) {
      throw new ServiceUnavailableError(`the cancel request is recorded but could not reach the workers: ${(error as Error).message}`);
    }
  }

  onApplicationShutdown(): void {
    this.subscriber?.disconnect();
    this.publisher.disconnect();
  }
}
