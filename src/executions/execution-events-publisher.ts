import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Execution } from './execution.entity';
import { isTerminal } from './execution-status';
import { maskId } from '../logging/redaction';
import { ExecutionMetrics } from './execution-metrics';
import { LazyRedis } from '../queue/redis-connection';
import { eventsChannel, eventsKey, EVENTS_TTL_SECONDS, HISTORY_LENGTH } from './event-keys';
import { ExecutionChange, toExecutionChange } from './execution-event';
import { RecentSends } from './recent-sends';

/** Progress events per execution are coalesced to at most one per this interval. */
export const PROGRESS_INTERVAL_MS = 250;

/** Appends to the execution's stream and publishes, atomically, so stream order is delivery order. */
const APPEND_AND_PUBLISH = `
local id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[1], '*', 'data', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('PUBLISH', ARGV[4], id .. ' ' .. ARGV[2])
return id`;

interface Pending {
  timer: NodeJS.Timeout;
  /** The live record: when the timer fires it holds the latest progress. */
  execution: Execution;
}

/**
 * Publishes every change of an execution once through Redis: a short history per execution (a
 * stream, for `Last-Event-ID`) and a pub/sub message for live listeners in every API process.
 * Events are small (ExecutionChange); the history goes with the execution.
 * Progress is coalesced; status changes go out at once and supersede coalesced progress.
 */
@Injectable()
export class ExecutionEventsPublisher implements OnApplicationShutdown {
  private readonly logger = new Logger(ExecutionEventsPublisher.name);
  // Commands queue while reconnecting (unlike the producer's fail-fast connection): an event
  // published during a blip still goes out once Redis answers.
  private readonly connection: LazyRedis;
  private readonly recent = new RecentSends(PROGRESS_INTERVAL_MS);
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: ExecutionMetrics,
  ) {
    this.connection = new LazyRedis(config.redisUrl, 'worker');
  }

  /** A status (or other non-progress) change: sent now. */
  changed(execution: Execution): void {
    this.logger.log({
      event: 'execution.status',
      execution: maskId(execution.id),
      task: execution.taskName,
      status: execution.status,
      attempt: execution.attempts,
    });
    this.metrics.observe(execution);
    this.cancelPending(execution.id);
    this.send(toExecutionChange(execution));
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
    const redis = this.connection.get();
    const { queuePrefix } = this.config;
    redis
      .eval(
        APPEND_AND_PUBLISH,
        1,
        eventsKey(queuePrefix, change.id),
        HISTORY_LENGTH,
        JSON.stringify(change),
        EVENTS_TTL_SECONDS,
        eventsChannel(queuePrefix),
      )
      .catch((error: Error) => this.logger.warn(`could not publish a change of ${maskId(change.id)}: ${error.message}`));
  }
}
