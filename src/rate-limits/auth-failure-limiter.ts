import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { LazyRedis } from '../queue/redis-connection';
import { TooManyRequests } from './too-many-requests';

const WINDOW_MS = 60_000;

/**
 * Brute-force protection: failed authentications are counted per client address in Redis, so the
 * count holds across API processes. Past the limit a failure from that address is answered 429
 * instead of 401 for the rest of the window; a request whose token is valid is always served, so
 * nobody sharing an address (a proxy, a NAT) can lock the others out. A valid request costs no
 * Redis call at all. Fails open if Redis is away: rate limits never take the API down.
 */
@Injectable()
export class AuthFailureLimiter implements OnApplicationShutdown {
  private readonly logger = new Logger(AuthFailureLimiter.name);
  private readonly connection: LazyRedis;

  constructor(private readonly config: AppConfig) {
    this.connection = new LazyRedis(config.redisUrl, 'limiter');
  }

  /**
   * Counts one failed authentication from `address`; throws `TooManyRequests` when the address is
   * past the limit, so the caller answers 429 (with Retry-After) rather than 401.
   */
  async recordFailure(address: string | undefined): Promise<void> {
    if (!this.enabled) return;
    let count: number;
    let ttl: number;
    try {
      const redis = this.connection.get();
      const key = this.key(address);
      const replies = (await redis.multi().incr(key).pexpire(key, WINDOW_MS, 'NX').pttl(key).exec()) as [
        [Error | null, number],
        unknown,
        [Error | null, number],
      ];
      [[, count], , [, ttl]] = replies;
    } catch (error) {
      this.logger.warn(`auth failure limiter unavailable: ${(error as Error).message}`);
      return;
    }
    if (count === this.config.rateLimitAuthFailures + 1) this.logger.warn('an address went past the failed-authentication limit');
    if (count > this.config.rateLimitAuthFailures) {
      throw new TooManyRequests(Math.max(1, Math.ceil(ttl / 1000)), 'too many failed authentications from this address; retry later');
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
