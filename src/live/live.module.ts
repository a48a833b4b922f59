import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ExecutionsModule } from '../executions/executions.module';
import { ExecutionEventStream } from './execution-event-stream';
import { ExecutionEventsController } from './execution-events.controller';
import { ExecutionFeed } from './execution-feed';
import { ExecutionsGateway } from './executions.gateway';
import { LiveSessions } from './live-sessions';

/** Server-Sent Events and the WebSocket; loaded when the process serves the API. */
@Module({
  imports: [ExecutionsModule, AuthModule],
  controllers: [ExecutionEventsController],
  providers: [ExecutionFeed, ExecutionEventStream, ExecutionsGateway, LiveSessions],
})
export class LiveModule {}
