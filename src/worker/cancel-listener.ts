import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type IORedis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { cancelRequestsChannel } from '../queue/cancel-channel';
import { createRedisConnection } from '../queue/redis-connection';
import { RunningExecutions } from './running-executions';

/** Hears the cancel requests any API process publishes and aborts the runs this process holds. */
@Injectable()
export class CancelListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CancelListener.name);
  private subscriber?: IORedis;

  constructor(
    private readonly config: AppConfig,
    private readonly running: RunningExecutions,
  ) {}

  onApplicationBootstrap(): void {
    this.subscriber = createRedisConnection(this.config.redisUrl, 'worker');
    this.subscriber.on('error', (error) => this.logger.warn(`cancel subscription: ${error.message}`));
    this.subscriber.on('message', (_channel: string, executionId: string) => this.running.cancel(executionId));
    // Not awaited: start-up must not hang on Redis; ioredis subscribes (and resubscribes) once connected.
    this.subscriber
      .subscribe(cancelRequestsChannel(this.config.queuePrefix))
      .catch((error: Error) => this.logger.warn(`cancel subscription: ${error.message}`));
  }

  onApplicationShutdown(): void {
    this.subscriber?.disconnect();
  }
}
