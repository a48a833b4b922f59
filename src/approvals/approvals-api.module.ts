import { Module } from '@nestjs/common';
import { ApprovalsController } from './approvals.controller';
import { ApprovalsModule } from './approvals.module';

/** The approvals' HTTP routes (SPEC 7.11); loaded when the process serves the API. */
@Module({
  imports: [ApprovalsModule],
  controllers: [ApprovalsController],
})
export class ApprovalsApiModule {}
