import { Global, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../config/app-config';
import { createRedisConnection } from '../queue/redis-connection';
import { AuthFailureLimiter } from './auth-failure-limiter';
import { ExecuteRateStorage } from './execute-rate-storage';
import { ExecuteThrottlerGuard } from './execute-throttler.guard';

@Global()
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        const redis = createRedisConnection(config.redisUrl, 'limiter');
        redis.on('error', () => undefined);
        const storage = new ExecuteRateStorage(redis);
        // It closes only the connections it opens itself; left open, this one keeps the process alive.
        storage.disconnectRequired = true;
        return {
          // Named "default" so the header is plain `Retry-After`.
          throttlers: [{ name: 'default', ttl: 60_000, limit: config.rateLimitExecute }],
          skipIf: () => config.rateLimitExecute === 0,
          errorMessage: `too many executions for this token (RATE_LIMIT_EXECUTE=${config.rateLimitExecute} a minute); retry later`,
          storage,
        };
      },
    }),
  ],
  providers: [AuthFailureLimiter, ExecuteThrottlerGuard],
  exports: [AuthFailureLimiter, ExecuteThrottlerGuard, ThrottlerModule],
})
export class RateLimitsModule {}
