import { Module } from '@nestjs/common';
import { ExecutionEventsPublisher } from './execution-events.publisher';
import { ExecutionFeed } from './execution-feed';

@Module({ providers: [ExecutionEventsPublisher, ExecutionFeed], exports: [ExecutionEventsPublisher, ExecutionFeed] })
export class EventsModule {}
