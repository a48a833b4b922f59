import { Module } from '@nestjs/common';
import { QueueModule } from '../queue/queue.module';
import { MetricsController } from './metrics.controller';

/** `GET /metrics` on the API's HTTP server. */
@Module({ imports: [QueueModule], controllers: [MetricsController] })
export class MetricsApiModule {}
