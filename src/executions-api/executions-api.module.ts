import { Module } from '@nestjs/common';
import { ExecutionFeedModule } from '../executions/execution-feed.module';
import { ExecutionsModule } from '../executions/executions.module';
import { ExecutionsBulkController } from './executions-bulk.controller';
import { ExecutionsController } from './executions.controller';
import { TasksController } from './tasks.controller';
import { UploadSubmissions } from './upload-submissions';

/** The HTTP routes of tasks and executions; loaded when the process serves the API. */
@Module({
  imports: [ExecutionsModule, ExecutionFeedModule],
  controllers: [TasksController, ExecutionsBulkController, ExecutionsController],
  providers: [UploadSubmissions],
  exports: [UploadSubmissions],
})
export class ExecutionsApiModule {}
