import { Module } from '@nestjs/common';
import { ExecutionQueues } from './execution-queues';

@Module({ providers: [ExecutionQueues], exports: [ExecutionQueues] })
export class QueueModule {}
