import { ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { ThrottlerException, ThrottlerGuard } from '@nestjs/throttler';
import type { Caller } from '../permissions/caller';
import { TooManyRequests } from './too-many-requests';

/** Increments in flight at once when one request counts many executions. */
const INCREMENTS_IN_FLIGHT = 200;

/**
 * Every route that creates executions (execute, upload, retry) shares one count per token
 * (`RATE_LIMIT_EXECUTE` a minute) through @nestjs/throttler with its Redis storage, so the limit
 * holds across routes and API processes. Runs after authentication.
 * Fails open if Redis is away: the execute itself then answers 503.
 */
@Injectable()
export class ExecuteThrottlerGuard extends ThrottlerGuard {
  private readonly logger = new Logger(ExecuteThrottlerGuard.name);

  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    return Promise.resolve(`token:${(req.user as Caller).token.id}`);
  }

  /** One key per token, not per route (the throttler's default), so no route is a way around the others. */
  protected override generateKey(_context: ExecutionContext, tracker: string, throttler: string): string {
    return `executions-created:${throttler}:${tracker}`;
  }

  /**
   * Counts `count` more executions made by one request that already passed this guard (a bulk
   * retry: the request counted one); a 429 when they take the token past its limit, before any is made.
   */
  async consumeMore(caller: Caller, count: number): Promise<void> {
    if (count <= 0 || this.commonOptions.skipIf?.(undefined as unknown as ExecutionContext)) return;
    try {
      await this.increment(caller, count);
    } catch (error) {
      if (error instanceof TooManyRequests) throw error;
      this.logger.warn(`rate limit storage unavailable: ${(error as Error).message}`);
    }
  }

  private async increment(caller: Caller, count: number): Promise<void> {
    for (const throttler of this.throttlers) {
      const [ttl, limit] = [Number(throttler.ttl), Number(throttler.limit)];
      const key = this.generateKey(undefined as unknown as ExecutionContext, `token:${caller.token.id}`, throttler.name ?? 'default');
      let blocked = 0;
      for (let done = 0; done < count; done += INCREMENTS_IN_FLIGHT) {
        const increments = Array.from({ length: Math.min(INCREMENTS_IN_FLIGHT, count - done) }, () =>
          this.storageService.increment(key, ttl, limit, Number(throttler.blockDuration ?? ttl), throttler.name ?? 'default'),
        );
        for (const record of await Promise.all(increments)) if (record.isBlocked) blocked = Math.max(blocked, record.timeToBlockExpire);
        if (blocked) break;
      }
      if (blocked)
        throw new TooManyRequests(blocked, `${count + 1} executions would take this token past its limit (${limit} a minute); retry later`);
    }
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    try {
      return await super.canActivate(context);
    } catch (error) {
      if (error instanceof ThrottlerException) throw error;
      this.logger.warn(`rate limit storage unavailable: ${(error as Error).message}`);
      return true;
    }
  }
}
