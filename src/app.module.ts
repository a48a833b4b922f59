import { DynamicModule, Module, Type } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AdminModule } from './admin/admin.module';
import { ApprovalsApiModule } from './approvals/approvals-api.module';
import { ApprovalsModule } from './approvals/approvals.module';
import { AuthModule } from './auth/auth.module';
import { CompatModule } from './compat/compat.module';
import { ApiExceptionFilter } from './common/api-exception.filter';
import { createValidationPipe } from './common/validation.pipe';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { DemoModule } from './demo/demo.module';
import { SecretsModule } from './secrets/secrets.module';
import { ExecutionsApiModule } from './executions-api/executions-api.module';
import { ExecutionsModule } from './executions/executions.module';
import { HealthModule } from './health/health.module';
import { LiveModule } from './live/live.module';
import { LoggingModule } from './logging/logging.module';
import { MetricsApiModule } from './metrics/metrics-api.module';
import { MetricsModule } from './metrics/metrics.module';
import { WorkerProbeModule } from './metrics/worker-probe.module';
import { RateLimitsModule } from './rate-limits/rate-limits.module';
import { ReconcilerModule } from './reconciler/reconciler.module';
import { RetentionModule } from './retention/retention.module';
import { TaskRegistryModule } from './task-registry/task-registry.module';
import { WorkerModule } from './worker/worker.module';

export interface AppModuleOptions {
  /** Modules holding the application's own `@ApiTask` providers. */
  taskModules?: Array<Type | DynamicModule>;
}

/** What every process loads: configuration, storage, the task registry, the executions core, the reconciler, retention and the approval timeouts. */
const CORE_MODULES = [
  LoggingModule,
  MetricsModule,
  TaskRegistryModule,
  SecretsModule,
  ExecutionsModule,
  ReconcilerModule,
  RetentionModule,
  ApprovalsModule,
];

/** What a process that serves HTTP adds (`ROLE=api` or `all`). */
const API_MODULES = [
  RateLimitsModule,
  AuthModule,
  ExecutionsApiModule,
  ApprovalsApiModule,
  LiveModule,
  AdminModule,
  HealthModule,
  MetricsApiModule,
];

/**
 * The process is the modules its role chooses: the API's controllers, gateway and auth only where
 * HTTP is served, the BullMQ workers only where jobs run; a worker-only process serves its probes.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot({ migrate: true }),
        ...CORE_MODULES,
        ...(config.runsApi ? API_MODULES : [WorkerProbeModule]),
        ...(config.runsApi && config.compat.length > 0 ? [CompatModule.forRoot(config.compat)] : []),
        ...(config.runsWorker ? [WorkerModule] : []),
        ...(config.demoTasks ? [DemoModule.forRoot(config)] : []),
        ...(options.taskModules ?? []),
      ],
      providers: [
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
      ],
    };
  }
}
