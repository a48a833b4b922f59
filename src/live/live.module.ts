import { Module } from '@nestjs/common';
import { ExecutionsModule } from '../executions/executions.module';
import { ExecutionEventStream } from './execution-event-stream';
import { ExecutionEventsController } from './execution-events.controller';
import { ExecutionFeed } from './execution-feed';
import { ExecutionsGateway } from './executions.gateway';

/** Server-Sent Events and the WebSocket; loaded when the process serves the API. */
@Module({
  imports: [ExecutionsModule],
  controllers: [ExecutionEventsController],
  providers: [ExecutionFeed, ExecutionEventStream, ExecutionsGateway],
})
export class LiveModule {}
