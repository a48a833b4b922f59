import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { ApiAuthenticated, ApiErrors } from '../common/api-docs';
import { DEFAULT_PAGE_SIZE } from '../common/keyset-page.query';
import { ParseIdPipe } from '../common/parse-id.pipe';
import { ExecutionDto, ExecutionPageDto, toExecutionDto } from '../executions/dto/execution.dto';
import type { Caller } from '../permissions/caller';
import { ApprovalsService } from './approvals.service';
import { ApprovalsQuery } from './dto/approvals.query';
import { VoteDto } from './dto/vote.dto';

/** SPEC 7.11: what awaits the caller's vote, and the votes. */
@ApiAuthenticated('approvals')
@Controller()
export class ApprovalsController {
  constructor(private readonly approvals: ApprovalsService) {}

  @Get('approvals')
  @ApiOperation({
    summary: 'Executions awaiting the caller’s vote (a member of an approval group, not the requester, not voted yet), oldest first',
  })
  @ApiOkResponse({ type: ExecutionPageDto })
  @ApiErrors(400)
  async list(@CurrentCaller() caller: Caller, @Query() query: ApprovalsQuery): Promise<ExecutionPageDto> {
    const page = await this.approvals.awaitingVote(caller, { limit: query.limit ?? DEFAULT_PAGE_SIZE, cursor: query.cursor });
    return { items: page.items.map(toExecutionDto), next_cursor: page.nextCursor };
  }

  @Post('executions/:id/approve')
  @HttpCode(200)
  @ApiOperation({ summary: 'Approve an execution awaiting approval; with the quorum reached it becomes pending and is enqueued' })
  @ApiOkResponse({ type: ExecutionDto })
  @ApiErrors(400, 403, 404, 409)
  async approve(@CurrentCaller() caller: Caller, @Param('id', ParseIdPipe) id: string, @Body() body: VoteDto): Promise<ExecutionDto> {
    return toExecutionDto(await this.approvals.vote(caller, id, 'approve', body.comment ?? null));
  }

  @Post('executions/:id/reject')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reject an execution awaiting approval: it ends cancelled, the rejection in its message' })
  @ApiOkResponse({ type: ExecutionDto })
  @ApiErrors(400, 403, 404, 409)
  async reject(@CurrentCaller() caller: Caller, @Param('id', ParseIdPipe) id: string, @Body() body: VoteDto): Promise<ExecutionDto> {
    return toExecutionDto(await this.approvals.vote(caller, id, 'reject', body.comment ?? null));
  }
}
