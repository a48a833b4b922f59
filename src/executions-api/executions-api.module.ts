import { Module } from '@nestjs/common';
import { ExecutionsModule } from '../executions/executions.module';
import { ExecutionsController } from './executions.controller';
import { TasksController } from './tasks.controller';

/** The HTTP routes of tasks and executions; loaded when the process serves the API. */
@Module({
  imports: [ExecutionsModule],
  controllers: [TasksController, ExecutionsController],
})
export class ExecutionsApiModule {}
