import { Module } from '@nestjs/common';
import { ExecutionsModule } from '../executions/executions.module';
import { BatchedRunWrites } from './batched-run-writes';
import { CancelListener } from './cancel-listener';
import { ExecutionRecorder } from './execution-recorder';
import { ExecutionRunner } from './execution-runner';
import { ExecutionWorkers } from './execution-workers';
import { RunningExecutions } from './running-executions';

/** The consumer side: BullMQ workers that run the handlers; loaded when the process runs jobs. */
@Module({
  imports: [ExecutionsModule],
  providers: [BatchedRunWrites, ExecutionWorkers, ExecutionRunner, ExecutionRecorder, RunningExecutions, CancelListener],
})
export class WorkerModule {}
