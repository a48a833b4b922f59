import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { ExecutionsModule } from '../executions/executions.module';
import { ApprovalSchedule } from './approval-schedule';
import { ApprovalSweeper } from './approval-sweeper';
import { ApprovalsService } from './approvals.service';
import { ExecutionVote } from './execution-vote.entity';

/** SPEC 7.11 in every process: the votes and the timeout sweep (one process at a time). */
@Module({
  imports: [TypeOrmModule.forFeature([ExecutionVote]), ExecutionsModule, AuditModule],
  providers: [ApprovalsService, ApprovalSweeper, ApprovalSchedule],
  exports: [ApprovalsService, ApprovalSweeper, ApprovalSchedule],
})
export class ApprovalsModule {}
