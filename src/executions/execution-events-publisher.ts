import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type IORedis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { Execution } from './execution.entity';
import { isTerminal } from './execution-status';
import { maskId } from '../logging/redaction';
import { ExecutionMetrics } from './execution-metrics';
import { LazyRedis } from '../queue/redis-connection';
import { eventsChannel, eventsKey, EVENTS_TTL_SECONDS, HISTORY_LENGTH } from './event-keys';
import { ExecutionChange, toExecutionChange } from './execution-event';
import { RecentSends } from './recent-sends';
import { ExecutionWebhooks } from './execution-webhooks';

/** Progress events per execution are coalesced to at most one per this interval. */
export const PROGRESS_INTERVAL_MS = 250;

/** Changes sent in one script call at most; more wait for the next call. */
const MAX_CHANGES_PER_CALL = 200;

/**
 * Appends each change to its execution's stream, then publishes them all in one message, one line
 * per change (`<execution id> <stream id> <json>`), atomically, so stream order is delivery order.
 * KEYS: the streams; ARGV: history length, TTL, channel, then one JSON per key.
 */
const APPEND_AND_PUBLISH = `
local lines = {}
for i, key in ipairs(KEYS) do
  local data = ARGV[i + 3]
  local id = redis.call('XADD', key, 'MAXLEN', ARGV[1], '*', 'data', data)
  redis.call('EXPIRE', key, ARGV[2])
  lines[i] = string.match(key, '[^:]+$') .. ' ' .. id .. ' ' .. data
end
redis.call('PUBLISH', ARGV[3], table.concat(lines, '\\n'))
return #lines`;

type EventsRedis = IORedis & {
  appendAndPublish(keyCount: number, ...keysThenArgs: Array<string | number>): Promise<number>;
};

interface Pending {
  timer: NodeJS.Timeout;
  /** The live record: when the timer fires it holds the latest progress. */
  execution: Execution;
}

/**
 * Publishes every change of an execution once through Redis: a short history per execution (a
 * stream, for `Last-Event-ID`) and a pub/sub message for live listeners in every API process.
 * Events are small (ExecutionChange); the history goes with the execution.
 * Progress is coalesced; status changes go out at once and supersede coalesced progress. Changes
 * made in the same turn of the event loop (a worker's batch of claims or outcomes) go out in one
 * script call (EVALSHA) and one pub/sub message.
 */
@Injectable()
export class ExecutionEventsPublisher implements OnApplicationShutdown {
  private readonly logger = new Logger(ExecutionEventsPublisher.name);
  // Commands queue while reconnecting (unlike the producer's fail-fast connection): an event
  // published during a blip still goes out once Redis answers.
  private readonly connection: LazyRedis;
  private readonly recent = new RecentSends(PROGRESS_INTERVAL_MS);
  private readonly pending = new Map<string, Pending>();
  private outbox: ExecutionChange[] = [];
  private closed = false;

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: ExecutionMetrics,
    private readonly webhooks: ExecutionWebhooks,
  ) {
    this.connection = new LazyRedis(config.redisUrl, 'worker');
  }

  /** A status (or other non-progress) change: sent now. */
  changed(execution: Execution): void {
    this.logger.debug({
      event: 'execution.status',
      execution: maskId(execution.id),
      task: execution.taskName,
      status: execution.status,
      attempt: execution.attempts,
    });
    this.metrics.observe(execution);
    this.cancelPending(execution.id);
    this.send(toExecutionChange(execution));
    // Every terminal write, whoever makes it (worker, cancel, PATCH, reconciler), passes here.
    this.webhooks.changed(execution);
    if (isTerminal(execution.status)) this.recent.forget(execution.id);
    else this.recent.sent(execution.id);
  }

  /** A progress report: sent now if none went out recently, else the latest one goes out later. */
  progressed(execution: Execution): void {
    const waiting = this.pending.get(execution.id);
    if (waiting) {
      waiting.execution = execution;
      return;
    }
    const sinceLast = this.recent.since(execution.id);
    if (sinceLast >= PROGRESS_INTERVAL_MS) {
      this.recent.sent(execution.id);
      this.send(toExecutionChange(execution));
      return;
    }
    const timer = setTimeout(() => {
      const latest = this.pending.get(execution.id);
      this.pending.delete(execution.id);
      if (!latest) return;
      this.recent.sent(execution.id);
      this.send(toExecutionChange(latest.execution));
    }, PROGRESS_INTERVAL_MS - sinceLast);
    this.pending.set(execution.id, { timer, execution });
  }

  onApplicationShutdown(): void {
    for (const { timer } of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    // What is waiting for the next turn goes out now; after this, nothing opens the connection again.
    this.sendOutbox();
    this.closed = true;
    this.connection.disconnect();
  }

  private cancelPending(executionId: string): void {
    const waiting = this.pending.get(executionId);
    if (!waiting) return;
    clearTimeout(waiting.timer);
    this.pending.delete(executionId);
  }

  /** Drops the execution's history (it was deleted); never throws. */
  async forget(executionId: string): Promise<void> {
    this.cancelPending(executionId);
    this.recent.forget(executionId);
    try {
      await this.connection.get().del(eventsKey(this.config.queuePrefix, executionId));
    } catch (error) {
      this.logger.warn(`could not drop the event history of ${maskId(executionId)} (it expires in a day): ${(error as Error).message}`);
    }
  }

  private send(change: ExecutionChange): void {
    if (this.closed) return;
    this.outbox.push(change);
    if (this.outbox.length === 1) setImmediate(() => this.sendOutbox());
  }

  private sendOutbox(): void {
    while (this.outbox.length > 0) {
      const changes = this.outbox.splice(0, MAX_CHANGES_PER_CALL);
      const { queuePrefix } = this.config;
      this.redis()
        .appendAndPublish(
          changes.length,
          ...changes.map((change) => eventsKey(queuePrefix, change.id)),
          HISTORY_LENGTH,
          EVENTS_TTL_SECONDS,
          eventsChannel(queuePrefix),
          ...changes.map((change) => JSON.stringify(change)),
        )
        .catch((error: Error) =>
          this.logger.warn(`could not publish ${changes.length} change(s), first of ${maskId(changes[0].id)}: ${error.message}`),
        );
    }
  }

  private redis(): EventsRedis {
    const redis = this.connection.get() as EventsRedis;
    // ioredis sends the script's hash (EVALSHA) and the text only when Redis does not know it yet.
    if (typeof redis.appendAndPublish !== 'function') redis.defineCommand('appendAndPublish', { lua: APPEND_AND_PUBLISH });
    return redis;
  }
}
