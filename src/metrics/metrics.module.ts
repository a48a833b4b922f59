import { Global, Module } from '@nestjs/common';
import { QueueModule } from '../queue/queue.module';
import { ExecutionMetrics } from './execution-metrics';
import { Metrics } from './metrics';
import { MetricsController } from './metrics.controller';
import { WorkerProbeServer } from './worker-probe.server';

@Global()
@Module({
  imports: [QueueModule],
  controllers: [MetricsController],
  providers: [Metrics, ExecutionMetrics, WorkerProbeServer],
  exports: [Metrics, ExecutionMetrics],
})
export class MetricsModule {}
