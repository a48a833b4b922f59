import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventsModule } from '../events/events.module';
import { Execution } from '../executions/execution.entity';
import { QueueModule } from '../queue/queue.module';
import { ExecutionReconciler } from './execution-reconciler';
import { ReconcilerSchedule } from './reconciler-schedule';

@Module({
  imports: [TypeOrmModule.forFeature([Execution]), QueueModule, EventsModule],
  providers: [ExecutionReconciler, ReconcilerSchedule],
  exports: [ExecutionReconciler, ReconcilerSchedule],
})
export class ReconcilerModule {}
