import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { ServiceUnavailableError } from '../common/domain-errors';
import { LazyRedis } from './redis-connection';
import { whenReady } from './redis-ready';

const PUBLISH_TIMEOUT_MS = 5000;

export const cancelRequestsChannel = (prefix: string) => `${prefix}:cancel-requests`;

/**
 * Cancel requests between processes: the API publishes an execution id on Redis; every worker
 * process hears it (worker/CancelListener) and aborts the run if it holds it.
 */
@Injectable()
export class CancelChannel implements OnApplicationShutdown {
  private readonly publisher: LazyRedis;

  constructor(private readonly config: AppConfig) {
    this.publisher = new LazyRedis(config.redisUrl, 'producer');
  }

  async publish(executionId: string): Promise<void> {
    try {
      const publisher = this.publisher.get();
      await whenReady(publisher, PUBLISH_TIMEOUT_MS);
      await publisher.publish(cancelRequestsChannel(this.config.queuePrefix), executionId);
    } catch (error) {
      throw new ServiceUnavailableError(`the cancel request is recorded but could not reach the workers: ${(error as Error).message}`);
    }
  }

  onApplicationShutdown(): void {
    this.publisher.disconnect();
  }
}
