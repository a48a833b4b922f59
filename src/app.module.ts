import { DynamicModule, Module, Type } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { AdminModule } from './admin/admin.module';
import { AuthModule } from './auth/auth.module';
import { TokenAuthGuard } from './auth/token-auth.guard';
import { ApiExceptionFilter } from './common/api-exception.filter';
import { createValidationPipe } from './common/validation.pipe';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { DemoModule } from './demo/demo.module';
import { ExecutionsModule } from './executions/executions.module';
import { HealthModule } from './health/health.module';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { RateLimitsModule } from './rate-limits/rate-limits.module';
import { ReconcilerModule } from './reconciler/reconciler.module';
import { TaskRegistryModule } from './task-registry/task-registry.module';

export interface AppModuleOptions {
  /** Modules holding the application's own `@ApiTask` providers. */
  taskModules?: Array<Type | DynamicModule>;
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule,
        MetricsModule,
        RateLimitsModule,
        DatabaseModule.forRoot({ migrate: true }),
        TaskRegistryModule,
        AuthModule,
        ExecutionsModule,
        ReconcilerModule,
        AdminModule,
        HealthModule,
        ...(config.demoTasks ? [DemoModule] : []),
        ...(options.taskModules ?? []),
      ],
      providers: [
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
        { provide: APP_GUARD, useExisting: TokenAuthGuard },
      ],
    };
  }
}
