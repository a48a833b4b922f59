import { ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { ThrottlerException, ThrottlerGuard } from '@nestjs/throttler';
import type { Caller } from '../permissions/caller';

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
