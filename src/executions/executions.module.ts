import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { BatchSubmissionsService } from './batch-submissions.service';
import { BulkControlService } from './bulk-control.service';
import { PermissionsModule } from '../permissions/permissions.module';
import { QueueModule } from '../queue/queue.module';
import { Execution } from './execution.entity';
import { ExecutionControlService } from './execution-control.service';
import { ExecutionEventsPublisher } from './execution-events-publisher';
import { ExecutionIntake } from './execution-intake';
import { ExecutionMetrics } from './execution-metrics';
import { ExecutionsQueryService } from './executions-query.service';
import { ExecutionsService } from './executions.service';
import { IdempotencyKeys } from './idempotency-keys';
import { StatisticsCache } from './statistics-cache';
import { TaskStatistics } from './task-statistics';
import { ExecutionRemoval } from './execution-removal';
import { UploadStore } from './upload-store';
import { ExecutionWebhooks } from './execution-webhooks';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { QuotasModule } from '../quotas/quotas.module';

/**
 * The executions core every process loads: submitting, controlling and reading records, and
 * announcing their changes. HTTP, live streams and the worker build on it (never the reverse).
 */
@Module({
  imports: [TypeOrmModule.forFeature([Execution]), PermissionsModule, QueueModule, AuditModule, WebhooksModule, QuotasModule],
  providers: [
    ExecutionsService,
    BatchSubmissionsService,
    ExecutionIntake,
    IdempotencyKeys,
    ExecutionControlService,
    BulkControlService,
    ExecutionsQueryService,
    StatisticsCache,
    TaskStatistics,
    ExecutionEventsPublisher,
    ExecutionMetrics,
    UploadStore,
    ExecutionWebhooks,
    ExecutionRemoval,
  ],
  exports: [
    TypeOrmModule,
    QueueModule,
    PermissionsModule,
    ExecutionsService,
    BatchSubmissionsService,
    ExecutionControlService,
    BulkControlService,
    ExecutionsQueryService,
    ExecutionEventsPublisher,
    UploadStore,
    ExecutionWebhooks,
    ExecutionRemoval,
  ],
})
export class ExecutionsModule {}
