import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { AppConfig } from '../config/app-config';
import { LazyRedis } from '../queue/redis-connection';
import { whenReady } from '../queue/redis-ready';

const PING_TIMEOUT_MS = 1000;

/** Readiness of Redis: a PING on a connection of its own that fails fast while Redis is away. */
@Injectable()
export class RedisHealthIndicator implements OnApplicationShutdown {
  private readonly connection: LazyRedis;

  constructor(
    private readonly indicators: HealthIndicatorService,
    config: AppConfig,
  ) {
    this.connection = new LazyRedis(config.redisUrl, 'producer');
  }

  async check(key: string): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    try {
      const redis = this.connection.get();
      await whenReady(redis, PING_TIMEOUT_MS);
      await Promise.race([
        redis.ping(),
        new Promise((_resolve, reject) => setTimeout(() => reject(new Error('PING timed out')), PING_TIMEOUT_MS).unref()),
      ]);
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: (error as Error).message });
    }
  }

  onApplicationShutdown(): void {
    this.connection.disconnect();
  }
}
