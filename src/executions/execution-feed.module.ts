import { Module } from '@nestjs/common';
import { ExecutionFeed } from './execution-feed';
import { ExecutionWaiter } from './execution-waiter';
import { ExecutionsModule } from './executions.module';

/**
 * The event feed's read side and what waits on it: imported by the API roles (live streams, bounded
 * waits) and nowhere else, so one Redis subscription per API process and none in a worker.
 */
@Module({
  imports: [ExecutionsModule],
  providers: [ExecutionFeed, ExecutionWaiter],
  exports: [ExecutionFeed, ExecutionWaiter],
})
export class ExecutionFeedModule {}
