import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { withProbeConnection } from './redis-connection';

/**
 * BullMQ keeps jobs in Redis: with any eviction policy but `noeviction`, a full Redis silently
 * drops jobs (the reconciler would find and re-add them, late). Warn at start so it gets fixed.
 */
@Injectable()
export class RedisPolicyCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger(RedisPolicyCheck.name);

  constructor(private readonly config: AppConfig) {}

  onApplicationBootstrap(): void {
    // Start-up does not wait for it: a warning a moment later is as good.
    void this.check();
  }

  async check(): Promise<string | undefined> {
    const policy = await this.readPolicy();
    if (policy !== undefined && policy !== 'noeviction') {
      this.logger.warn(`Redis maxmemory-policy is "${policy}": under memory pressure Redis may evict queued jobs; set it to "noeviction"`);
    }
    return policy;
  }

  /** undefined when it cannot be read (CONFIG is often disabled on managed Redis). */
  private async readPolicy(): Promise<string | undefined> {
    try {
      const reply = (await withProbeConnection(this.config.redisUrl, (connection) =>
        connection.call('CONFIG', 'GET', 'maxmemory-policy'),
      )) as string[];
      return reply[1];
    } catch (error) {
      this.logger.debug(`could not read Redis maxmemory-policy: ${(error as Error).message}`);
      return undefined;
    }
  }
}
