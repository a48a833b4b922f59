import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ExecutionsModule } from '../executions/executions.module';
import { RetentionSchedule } from './retention-schedule';
import { RetentionSweeper } from './retention-sweeper';

/** SPEC 7.9: the retention sweep, in every process (one at a time). */
@Module({
  imports: [ExecutionsModule, AuditModule],
  providers: [RetentionSweeper, RetentionSchedule],
  exports: [RetentionSweeper, RetentionSchedule],
})
export class RetentionModule {}
