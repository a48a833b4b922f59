import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { ApiAuthenticated, ApiErrors } from '../common/api-docs';
import type { Caller } from '../permissions/caller';
import { BulkActionDto, BulkActionResultDto } from '../executions/dto/bulk-action.dto';
import { BulkControlService } from '../executions/bulk-control.service';
import { ExecuteThrottlerGuard } from '../rate-limits/execute-throttler.guard';

const EXAMPLES = {
  'cancel a task’s pending and running executions': { value: { filter: { task_name: 'demo.sleep', status: 'pending,running' } } },
  'dry run over everything visible': { value: { filter: {}, dry_run: true } },
  'the 100 oldest failures of a resource': { value: { filter: { status: 'failed,timeout', resource: 'invoice-7' }, max: 100 } },
};

/** Bulk cancel and retry over the executions a filter selects (two path segments: never taken for `/:id/cancel`). */
@ApiAuthenticated('executions')
@Controller('executions')
export class ExecutionsBulkController {
  constructor(
    private readonly bulk: BulkControlService,
    private readonly throttle: ExecuteThrottlerGuard,
  ) {}

  @Post('cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel the visible pending and running executions a filter selects (oldest first, at most max)' })
  @ApiBody({ type: BulkActionDto, examples: EXAMPLES })
  @ApiOkResponse({
    type: BulkActionResultDto,
    example: { matched: 1, affected: 1, execution_ids: ['0b9c2f0e-6c1d-4b7a-9a51-3f7d2c8e1a40'] },
  })
  @ApiErrors(400, 403, 503)
  cancel(@CurrentCaller() caller: Caller, @Body() body: BulkActionDto): Promise<BulkActionResultDto> {
    return this.bulk.cancel(caller, body);
  }

  @Post('retry')
  @HttpCode(200)
  @UseGuards(ExecuteThrottlerGuard)
  @ApiOperation({
    summary: 'Retry the visible failed, cancelled and timed-out executions a filter selects; each counts toward the execute rate limit',
  })
  @ApiBody({ type: BulkActionDto, examples: EXAMPLES })
  @ApiOkResponse({
    type: BulkActionResultDto,
    example: { matched: 2, affected: 1, execution_ids: ['9a41d6b2-2e8f-4c3a-b1d7-58e0f4a9c612'] },
  })
  @ApiErrors(400, 403, 503)
  retry(@CurrentCaller() caller: Caller, @Body() body: BulkActionDto): Promise<BulkActionResultDto> {
    // The guard counted the request as one execution; the others count before any is made.
    return this.bulk.retry(caller, body, (count) => this.throttle.consumeMore(caller, count - 1));
  }
}
