import { DynamicModule, Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { IdentityModule } from '../auth/identity.module';
import { AppConfig } from '../config/app-config';
import { ConfigModule } from '../config/config.module';
import { DatabaseModule } from '../database/database.module';
import { DemoModule } from '../demo/demo.module';
import { TaskRegistryModule } from '../task-registry/task-registry.module';
import { GrantCommand, RevokeCommand } from './grant.commands';
import { GroupAddCommand, GroupCreateCommand } from './group.commands';
import { MigrateCommand } from './migrate.command';
import { CliAudit } from './cli-audit';
import { MigrationsReady } from './migrations-ready';
import { PrincipalCreateCommand } from './principal.commands';
import { TokenCreateCommand, TokenRevokeCommand } from './token.commands';

/** The CLI: the database, identity services and the task registry; no HTTP, no queue. */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot({ migrate: false }),
        IdentityModule,
        AuditModule,
        // The registry checks `grant --where` against the tasks' kwargs (the demo tasks when DEMO_TASKS is on).
        TaskRegistryModule,
        ...(config.demoTasks ? [DemoModule.forRoot(config)] : []),
      ],
      providers: [
        MigrationsReady,
        CliAudit,
        MigrateCommand,
        PrincipalCreateCommand,
        GroupCreateCommand,
        GroupAddCommand,
        GrantCommand,
        RevokeCommand,
        TokenCreateCommand,
        TokenRevokeCommand,
      ],
    };
  }
}
