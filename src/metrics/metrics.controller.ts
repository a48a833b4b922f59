import { Controller, Get, Header, Headers, UnauthorizedException } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/public.decorator';
import { ErrorBody } from '../common/api-exception.filter';
import { AppConfig } from '../config/app-config';
import { ExecutionQueues } from '../queue/execution-queues';
import { TaskRegistry } from '../task-registry/task-registry';
import { Metrics } from './metrics';
import { metricsAuthorized, renderMetrics } from './metrics-text';

/** `/metrics` in Prometheus text format; open, or guarded by `METRICS_TOKEN`. */
@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
    private readonly registry: TaskRegistry,
    private readonly queues: ExecutionQueues,
  ) {}

  @Public()
  @Get()
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text format', schema: { type: 'string' } })
  @ApiResponse({ status: 401, description: 'METRICS_TOKEN is set and was not given', type: ErrorBody })
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(@Headers('authorization') authorization: string | undefined): Promise<string> {
    if (!metricsAuthorized(this.config.metricsToken, authorization)) throw new UnauthorizedException('metrics need the METRICS_TOKEN');
    return renderMetrics(this.metrics, this.registry, this.queues);
  }
}
