import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Execution } from '../executions/execution.entity';
import { QuotaLedger } from './quota-ledger';

/** Quotas on grants and tokens (SPEC 7.13): the ledger every process that admits executions shares. */
@Module({
  imports: [TypeOrmModule.forFeature([Execution])],
  providers: [QuotaLedger],
  exports: [QuotaLedger],
})
export class QuotasModule {}
