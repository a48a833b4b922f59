import { Module } from '@nestjs/common';
import { CancelChannel } from './cancel-channel';
import { ExecutionQueues } from './execution-queues';
import { RedisPolicyCheck } from './redis-policy-check';

@Module({ providers: [ExecutionQueues, CancelChannel, RedisPolicyCheck], exports: [ExecutionQueues, CancelChannel] })
export class QueueModule {}
