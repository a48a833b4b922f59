import { Controller, Get, Logger, Res, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, HealthCheckResult, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/public.decorator';
import { RedisHealthIndicator } from './redis-health.indicator';

/** Probes for orchestrators; no token needed. */
@ApiTags('health')
@Controller('health')
export class HealthController {
  private readonly logger = new Logger(HealthController.name);

  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
  ) {}

  /** The process is up and serving HTTP. */
  @Public()
  @Get('live')
  @ApiOkResponse({
    description: 'the process is up',
    schema: { type: 'object', properties: { status: { type: 'string', example: 'ok' } } },
  })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** The database and Redis answer: 200, or 503 with terminus's report of what is down. */
  @Public()
  @Get('ready')
  @ApiOkResponse({ description: 'database and Redis answer' })
  @ApiServiceUnavailableResponse({ description: 'something is down; the body says what' })
  @HealthCheck()
  async ready(@Res({ passthrough: true }) res: Response): Promise<HealthCheckResult> {
    try {
      return await this.health.check([() => this.database.pingCheck('database', { timeout: 2000 }), () => this.redis.check('redis')]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      res.status(503);
      const report = error.getResponse() as HealthCheckResult;
      this.logger.warn(`not ready: ${JSON.stringify(report.error ?? {})}`);
      return withoutInternals(report);
    }
  }
}

/**
 * A public route says what is down, never how: driver messages name hosts, ports and users. The
 * full report goes to the log.
 */
function withoutInternals(report: HealthCheckResult): HealthCheckResult {
  const plain = (entries: Record<string, { status: string } | undefined> | undefined): HealthCheckResult['details'] =>
    Object.fromEntries(
      Object.entries(entries ?? {}).map(([key, value]) => [key, { status: value?.status ?? 'down' }]),
    ) as HealthCheckResult['details'];
  return { status: report.status, info: plain(report.info), error: plain(report.error), details: plain(report.details) };
}
