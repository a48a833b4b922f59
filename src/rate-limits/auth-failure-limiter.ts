import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { LazyRedis } from '../queue/redis-connection';
import { TooManyRequests } from './too-many-requests';

const WINDOW_MS = 60_000;

/**
 * Brute-force protection: failed authentications are counted per client address in Redis, so the
 * count holds across API processes. Past the limit the address is refused (429) for the rest of
 * the window, valid token or not. Fails open if Redis is away: rate limits never take the API down.
 * (@nestjs/throttler counts every request; this must count only failures and check before.)
 */
@Injectable()
export class AuthFailureLimiter implements OnApplicationShutdown {
  private readonly logger = new Logger(AuthFailureLimiter.name);
  private readonly connection: LazyRedis;

  constructor(private readonly config: AppConfig) {
    this.connection = new LazyRedis(config.redisUrl, 'limiter');
  }

  async assertAllowed(address: string | undefined): Promise<void> {
    if (!this.enabled) return;
    try {
      const redis = this.connection.get();
      const key = this.key(address);
      const [failures, ttl] = await Promise.all([redis.get(key), redis.pttl(key)]);
      if (Number(failures ?? 0) >= this.config.rateLimitAuthFailures) {
        throw new TooManyRequests(Math.max(1, Math.ceil(ttl / 1000)), 'too many failed authentications from this address; retry later');
      }
    } catch (error) {
      if (error instanceof TooManyRequests) throw error;
      this.logger.warn(`auth failure limiter unavailable: ${(error as Error).message}`);
    }
  }

  async recordFailure(address: string | undefined): Promise<void> {
    if (!this.enabled) return;
    try {
      const redis = this.connection.get();
      const key = this.key(address);
      const [[, count]] = (await redis.multi().incr(key).pexpire(key, WINDOW_MS, 'NX').exec()) as [[Error | null, number]];
      if (count === this.config.rateLimitAuthFailures) this.logger.warn('an address reached the failed-authentication limit');
    } catch (error) {
      this.logger.warn(`auth failure limiter unavailable: ${(error as Error).message}`);
    }
  }

  onApplicationShutdown(): void {
    this.connection.disconnect();
  }

  private get enabled(): boolean {
    return this.config.rateLimitAuthFailures > 0;
  }

  private key(address: string | undefined): string {
    return `${this.config.queuePrefix}:auth-failures:${address ?? 'unknown'}`;
  }

}
