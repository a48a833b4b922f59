import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ExecutionFeedModule } from '../executions/execution-feed.module';
import { ExecutionsModule } from '../executions/executions.module';
import { ExecutionEventStream } from './execution-event-stream';
import { ExecutionEventsController } from './execution-events.controller';
import { ExecutionsGateway } from './executions.gateway';
import { LiveSessions } from './live-sessions';

/** Server-Sent Events and the WebSocket; loaded when the process serves the API. */
@Module({
  imports: [ExecutionsModule, ExecutionFeedModule, AuthModule],
  controllers: [ExecutionEventsController],
  providers: [ExecutionEventStream, ExecutionsGateway, LiveSessions],
})
export class LiveModule {}
