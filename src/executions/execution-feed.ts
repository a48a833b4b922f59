import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type IORedis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { createRedisConnection, LazyRedis } from '../queue/redis-connection';
import { whenReady } from '../queue/redis-ready';
import { eventsChannel, eventsKey, HISTORY_PAGE } from './event-keys';
import { ExecutionChange, ExecutionChangeEvent } from './execution-event';

type Listener = (event: ExecutionChangeEvent) => void;

const READ_TIMEOUT_MS = 5000;

/**
 * The read side of the event feed in an API process: one Redis subscription, fanned out to the
 * SSE streams, WebSocket subscriptions and bounded waits of this process, plus each execution's
 * recent history. Provided by ExecutionFeedModule, which only the API roles import: a worker-only
 * process never subscribes.
 */
@Injectable()
export class ExecutionFeed implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ExecutionFeed.name);
  private readonly listeners = new Map<string, Set<Listener>>();
  private subscriber?: IORedis;
  private subscribed: Promise<void> = Promise.resolve();
  private isListening = false;
  private readonly reader: LazyRedis;

  constructor(private readonly config: AppConfig) {
    this.reader = new LazyRedis(config.redisUrl, 'producer');
  }

  onApplicationBootstrap(): void {
    this.subscriber = createRedisConnection(this.config.redisUrl, 'worker');
    this.subscriber.on('error', (error) => this.logger.warn(`event subscription: ${error.message}`));
    this.subscriber.on('message', (_channel: string, message: string) => this.dispatch(message));
    // Not awaited: start-up must not hang on Redis; ioredis subscribes (and resubscribes) once connected.
    this.subscribed = this.subscriber.subscribe(eventsChannel(this.config.queuePrefix)).then(
      () => {
        this.isListening = true;
      },
      (error: Error) => this.logger.warn(`event subscription: ${error.message}`),
    );
  }

  onApplicationShutdown(): void {
    this.subscriber?.disconnect();
    this.reader.disconnect();
    this.listeners.clear();
  }

  /** Resolves once the Redis subscription is active (or after a short wait, if Redis is slow). */
  async listening(): Promise<void> {
    if (this.isListening) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.subscribed, new Promise((resolve) => (timer = setTimeout(resolve, READ_TIMEOUT_MS)))]);
    clearTimeout(timer);
  }

  /** Calls `listener` for every later change of the execution; returns the way to stop. */
  subscribe(executionId: string, listener: Listener): () => void {
    let set = this.listeners.get(executionId);
    if (!set) this.listeners.set(executionId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(executionId) === set) this.listeners.delete(executionId);
    };
  }

  /** Listeners registered in this process (all executions), for tests and diagnostics. */
  listenerCount(): number {
    let count = 0;
    for (const set of this.listeners.values()) count += set.size;
    return count;
  }

  /** Up to `HISTORY_PAGE` recorded events after `afterId` (exclusive), oldest first; page on with the last id. */
  async history(executionId: string, afterId: string): Promise<ExecutionChangeEvent[]> {
    const entries = await (
      await this.redis()
    ).xrange(eventsKey(this.config.queuePrefix, executionId), `(${afterId}`, '+', 'COUNT', HISTORY_PAGE);
    return entries.map(([id, fields]) => ({ id, change: JSON.parse(fields[1]) as ExecutionChange }));
  }

  /** The id of the newest recorded event, or `0-0` when there is none. */
  async lastId(executionId: string): Promise<string> {
    const [newest] = await (await this.redis()).xrevrange(eventsKey(this.config.queuePrefix, executionId), '+', '-', 'COUNT', 1);
    return newest?.[0] ?? '0-0';
  }

  /** One line per change (`<execution id> <stream id> <json>`); only the changes someone here watches are parsed. */
  private dispatch(message: string): void {
    for (const line of message.split('\n')) {
      const idEnd = line.indexOf(' ');
      const listeners = this.listeners.get(line.slice(0, idEnd));
      if (!listeners) continue;
      const streamIdEnd = line.indexOf(' ', idEnd + 1);
      let event: ExecutionChangeEvent;
      try {
        event = { id: line.slice(idEnd + 1, streamIdEnd), change: JSON.parse(line.slice(streamIdEnd + 1)) as ExecutionChange };
      } catch {
        continue;
      }
      for (const listener of listeners) listener(event);
    }
  }

  private async redis(): Promise<IORedis> {
    const reader = this.reader.get();
    await whenReady(reader, READ_TIMEOUT_MS);
    return reader;
  }
}
