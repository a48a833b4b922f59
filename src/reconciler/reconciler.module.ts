import { Module } from '@nestjs/common';
import { ExecutionsModule } from '../executions/executions.module';
import { ExecutionReconciler } from './execution-reconciler';
import { ReconcilerSchedule } from './reconciler-schedule';

@Module({
  imports: [ExecutionsModule],
  providers: [ExecutionReconciler, ReconcilerSchedule],
  exports: [ExecutionReconciler, ReconcilerSchedule],
})
export class ReconcilerModule {}
