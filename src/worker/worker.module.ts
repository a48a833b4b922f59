import { Module } from '@nestjs/common';
import { ExecutionsModule } from '../executions/executions.module';
import { BatchedRunWrites } from './batched-run-writes';
import { CancelListener } from './cancel-listener';
import { ExecutionRecorder } from './execution-recorder';
import { ExecutionRunner } from './execution-runner';
import { ExecutionWorkers } from './execution-workers';
import { RunningExecutions } from './running-executions';
import { WebhookWorkerModule } from '../webhooks/webhook-worker.module';

/** The consumer side: BullMQ workers that run the handlers; loaded when the process runs jobs. */
@Module({
  // Webhook deliveries run where jobs run.
  imports: [ExecutionsModule, WebhookWorkerModule],
  providers: [BatchedRunWrites, ExecutionWorkers, ExecutionRunner, ExecutionRecorder, RunningExecutions, CancelListener],
})
export class WorkerModule {}
