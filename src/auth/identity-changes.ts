import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { LazyRedis } from '../queue/redis-connection';
import { CallerCache } from './caller-cache';

/** A publish that cannot reach Redis gives up after this; the cache lifetime then bounds the staleness. */
const PUBLISH_TIMEOUT_MS = 2000;

/**
 * Tells every process that principals, groups, grants or tokens changed, so each empties its
 * CallerCache: a revoked token or a removed grant stops working everywhere at once. One Redis
 * channel per QUEUE_PREFIX; the subscription is made on first use of the cache (API processes),
 * publishing by whoever writes (API processes and the CLI).
 */
@Injectable()
export class IdentityChanges implements OnApplicationShutdown {
  private readonly logger = new Logger(IdentityChanges.name);
  private readonly publisher: LazyRedis;
  private subscriber?: LazyRedis;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly config: AppConfig,
    private readonly cache: CallerCache,
  ) {
    this.publisher = new LazyRedis(config.redisUrl, 'limiter');
  }

  private get channel(): string {
    return `${this.config.queuePrefix}:identity-changed`;
  }

  /** Empties this process's cache and tells the others; never throws. */
  async changed(): Promise<void> {
    this.heard();
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>(
        (_resolve, reject) => (timer = setTimeout(() => reject(new Error('timed out')), PUBLISH_TIMEOUT_MS)),
      );
      await Promise.race([this.publisher.get().publish(this.channel, String(Date.now())), timeout]);
    } catch (error) {
      this.logger.warn(
        `could not tell other processes of an identity change (${(error as Error).message}); their caches expire within ${this.config.authCacheMs} ms`,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /** Calls `listener` after every change heard here (and after a resubscription, which may have missed some). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Subscribes once. While the subscription is down (Redis away) nothing is cached, since a
   * change made meanwhile would go unheard; after every (re)subscription the cache starts empty.
   */
  listen(): void {
    if (this.subscriber) return;
    this.subscriber = new LazyRedis(this.config.redisUrl, 'worker');
    const connection = this.subscriber.get();
    connection.on('message', () => this.heard());
    connection.on('ready', () => this.heard());
    connection.on('close', () => this.cache.clear());
    connection.subscribe(this.channel).catch((error: Error) => this.logger.warn(`identity change feed unavailable: ${error.message}`));
  }

  /** True while changes would be heard: only then may callers be cached. */
  get listening(): boolean {
    return this.subscriber?.get().status === 'ready';
  }

  private heard(): void {
    this.cache.clear();
    for (const listener of this.listeners) listener();
  }

  onApplicationShutdown(): void {
    this.publisher.disconnect();
    this.subscriber?.disconnect();
  }
}
