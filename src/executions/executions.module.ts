import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { EventsModule } from '../events/events.module';
import { PermissionsModule } from '../permissions/permissions.module';
import { QueueModule } from '../queue/queue.module';
import { Execution } from './execution.entity';
import { ExecutionRecorder } from './execution-recorder';
import { ExecutionRunner } from './execution-runner';
import { ExecutionWorkers } from './execution-workers';
import { ExecutionsController } from './executions.controller';
import { ExecutionEventsController } from './execution-events.controller';
import { ExecutionsGateway } from './executions.gateway';
import { ExecutionIntake } from './execution-intake';
import { ExecutionsService } from './executions.service';
import { StatisticsCache } from './statistics-cache';
import { ExecutionsQueryService } from './executions-query.service';
import { ExecutionControlService } from './execution-control.service';
import { RunningExecutions } from './running-executions';
import { IdempotencyKeys } from './idempotency-keys';
import { TasksController } from './tasks.controller';

@Module({
  imports: [TypeOrmModule.forFeature([Execution]), PermissionsModule, QueueModule, EventsModule, AuditModule],
  controllers: [TasksController, ExecutionsController, ExecutionEventsController],
  providers: [ExecutionsService, ExecutionIntake, StatisticsCache, ExecutionsQueryService, ExecutionControlService, ExecutionRecorder, ExecutionRunner, ExecutionWorkers, RunningExecutions, IdempotencyKeys, ExecutionsGateway],
  exports: [ExecutionsService, ExecutionsQueryService],
})
export class ExecutionsModule {}
