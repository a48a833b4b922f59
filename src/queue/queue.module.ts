import { Module } from '@nestjs/common';
import { CancelChannel } from './cancel-channel';
import { ExecutionQueues } from './execution-queues';

@Module({ providers: [ExecutionQueues, CancelChannel], exports: [ExecutionQueues, CancelChannel] })
export class QueueModule {}
