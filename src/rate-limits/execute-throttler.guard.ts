import { ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { ThrottlerException, ThrottlerGuard, ThrottlerRequest } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import type { Caller } from '../permissions/caller';
import { ExecuteRateStorage } from './execute-rate-storage';
import { EXECUTIONS_PER_REQUEST, ExecutionCount } from './executions-per-request.decorator';
import { TooManyRequests } from './too-many-requests';

/**
 * Every route that creates executions (execute, upload, retry, batch) shares one count per token
 * (`RATE_LIMIT_EXECUTE` a minute) through @nestjs/throttler with its Redis storage, so the limit
 * holds across routes and API processes. A batch counts each of its items, all or none.
 * Runs after authentication. Fails open if Redis is away: the execute itself then answers 503.
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
   * retry: the request counted one); a 429 when they would take the token past its limit, before
   * any is made and without counting them.
   */
  async consumeMore(caller: Caller, count: number): Promise<void> {
    if (count <= 0 || this.commonOptions.skipIf?.(undefined as unknown as ExecutionContext)) return;
    try {
      for (const throttler of this.throttlers) {
        const [ttl, limit, name] = [Number(throttler.ttl), Number(throttler.limit), throttler.name ?? 'default'];
        const key = this.generateKey(undefined as unknown as ExecutionContext, `token:${caller.token.id}`, name);
        const outcome = await (this.storageService as ExecuteRateStorage).take(key, ttl, limit, name, count);
        if (!outcome.taken) {
          throw new TooManyRequests(
            outcome.retryAfterSeconds,
            `${count + 1} executions would take this token past its limit (${limit} a minute); retry later`,
          );
        }
      }
    } catch (error) {
      if (error instanceof TooManyRequests) throw error;
      this.logger.warn(`rate limit storage unavailable: ${(error as Error).message}`);
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

  /** A request for several executions takes that many hits at once, or is refused whole (and counts nothing). */
  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const { context, limit, ttl, throttler } = props;
    const count = this.reflector.get<ExecutionCount | undefined>(EXECUTIONS_PER_REQUEST, context.getHandler());
    const req = context.switchToHttp().getRequest<Request>();
    const executions = count ? count(req.body) : 1;
    if (executions === 1) return super.handleRequest(props);
    const key = props.generateKey(context, await props.getTracker(req, context), throttler.name!);
    const outcome = await (this.storageService as ExecuteRateStorage).take(key, ttl, limit, throttler.name!, executions);
    const res = context.switchToHttp().getResponse<Response>();
    if (!outcome.taken) {
      res.header('Retry-After', String(outcome.retryAfterSeconds));
      throw new ThrottlerException(
        `too many executions for this token: these ${executions} would go over RATE_LIMIT_EXECUTE=${limit} a minute; retry later or send fewer`,
      );
    }
    res.header('X-RateLimit-Limit', String(limit));
    res.header('X-RateLimit-Remaining', String(outcome.remaining));
    res.header('X-RateLimit-Reset', String(outcome.resetSeconds));
    return true;
  }
}
