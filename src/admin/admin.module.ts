import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { IdentityModule } from '../auth/identity.module';
import { Execution } from '../executions/execution.entity';
import { ExecutionsModule } from '../executions/executions.module';
import { AdminActivityController } from './admin-activity.controller';
import { AdminDirectory } from './admin-directory';
import { AdminGrantsController } from './admin-grants.controller';
import { AdminGroupsController } from './admin-groups.controller';
import { AdminIdentity } from './admin-identity';
import { AdminOnlyGuard } from './admin-only.guard';
import { AdminOverview } from './admin-overview';
import { AdminPrincipalsController } from './admin-principals.controller';
import { AdminTokensController } from './admin-tokens.controller';

/** The admin API under `/api/v1/admin`; the console's static files are served by `serveConsole`. */
@Module({
  imports: [TypeOrmModule.forFeature([Execution]), IdentityModule, AuditModule, ExecutionsModule],
  controllers: [AdminPrincipalsController, AdminTokensController, AdminGroupsController, AdminGrantsController, AdminActivityController],
  providers: [AdminDirectory, AdminIdentity, AdminOverview, AdminOnlyGuard],
})
export class AdminModule {}
