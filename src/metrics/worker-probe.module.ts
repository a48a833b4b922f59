import { Module } from '@nestjs/common';
import { QueueModule } from '../queue/queue.module';
import { WorkerProbeServer } from './worker-probe-server';

/** `/health/live` and `/metrics` for a process that serves no API (`ROLE=worker`). */
@Module({ imports: [QueueModule], providers: [WorkerProbeServer] })
export class WorkerProbeModule {}
