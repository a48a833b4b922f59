import { BadRequestException, Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { ApiAcceptedResponse, ApiExtraModels, ApiNoContentResponse, ApiOkResponse, ApiOperation, getSchemaPath } from '@nestjs/swagger';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { ApiAuthenticated, ApiErrors } from '../common/api-docs';
import type { Caller } from '../permissions/caller';
import {
  ExecutionAcceptedDto,
  ExecutionDto,
  ExecutionPageDto,
  ExecutionStatisticsDto,
  TaskStatisticsDto,
  toExecutionDto,
  toTaskStatisticsDto,
} from '../executions/dto/execution.dto';
import { LatestQuery, ListExecutionsQuery, StatisticsQuery } from '../executions/dto/list-executions.query';
import { UpdateExecutionDto } from '../executions/dto/update-execution.dto';
import { ExecutionControlService } from '../executions/execution-control.service';
import { ExecutionsService } from '../executions/executions.service';
import { ExecutionsQueryService } from '../executions/executions-query.service';
import { ExecutionWaiter } from '../executions/execution-waiter';
import { ExecuteThrottlerGuard } from '../rate-limits/execute-throttler.guard';
import { ParseIdPipe } from '../common/parse-id.pipe';
import { toWebhookDeliveryDto, WebhookDeliveryDto } from '../executions/dto/webhook-delivery.dto';
import { ExecutionWebhooks } from '../executions/execution-webhooks';
import { clientGone } from './client-gone';
import { ApiWaitQuery, WaitSecondsPipe } from './wait-seconds.pipe';

@ApiAuthenticated('executions')
@Controller('executions')
export class ExecutionsController {
  constructor(
    private readonly executions: ExecutionsService,
    private readonly queries: ExecutionsQueryService,
    private readonly control: ExecutionControlService,
    private readonly webhooks: ExecutionWebhooks,
    private readonly waiter: ExecutionWaiter,
  ) {}

  @Get()
  @ApiOperation({
    summary:
      'Own executions (admin: all), newest first: keyset-paged (cursor), or numbered pages (page, page_size, total) in any sort_by order',
  })
  @ApiOkResponse({ type: ExecutionPageDto })
  @ApiErrors(400, 403)
  async list(@CurrentCaller() caller: Caller, @Query() query: ListExecutionsQuery): Promise<ExecutionPageDto> {
    const page = await this.queries.list(caller, query);
    const numbered = page.numbered && { page: page.numbered.page, page_size: page.numbered.pageSize, total: page.numbered.total };
    return { items: page.items.map(toExecutionDto), next_cursor: page.nextCursor, ...numbered };
  }

  @Get('statistics')
  @ApiOperation({
    summary:
      'Counts per status over what the caller may see; with group_by=task, per task over a window with duration and queue-wait percentiles',
  })
  @ApiExtraModels(ExecutionStatisticsDto, TaskStatisticsDto)
  @ApiOkResponse({
    schema: { oneOf: [{ $ref: getSchemaPath(ExecutionStatisticsDto) }, { $ref: getSchemaPath(TaskStatisticsDto) }] },
    description: 'ExecutionStatistics without group_by; TaskStatistics with group_by=task',
  })
  @ApiErrors(400)
  async statistics(@CurrentCaller() caller: Caller, @Query() query: StatisticsQuery): Promise<ExecutionStatisticsDto | TaskStatisticsDto> {
    if (query.group_by === 'task')
      return toTaskStatisticsDto(await this.queries.statisticsByTask(caller, query.window ?? '24h', query.task_name));
    if (query.window !== undefined) throw new BadRequestException(['window needs group_by=task']);
    return this.queries.statistics(caller, query.task_name);
  }

  @Get('latest')
  @ApiOperation({ summary: 'The newest visible execution tagged with a resource' })
  @ApiOkResponse({ type: ExecutionDto })
  @ApiErrors(400, 404)
  async latest(@CurrentCaller() caller: Caller, @Query() query: LatestQuery): Promise<ExecutionDto> {
    return toExecutionDto(await this.queries.latestForResource(caller, query.resource));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One execution' })
  @ApiWaitQuery('answered as soon as it ends, or with the current record after them')
  @ApiOkResponse({ type: ExecutionDto })
  @ApiErrors(400, 404)
  async findOne(
    @CurrentCaller() caller: Caller,
    @Param('id', ParseIdPipe) id: string,
    @Query('wait', WaitSecondsPipe) wait: number | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ExecutionDto> {
    if (wait === undefined) return toExecutionDto(await this.executions.findVisible(caller, id));
    return toExecutionDto(await this.waiter.untilTerminal(caller, id, wait, clientGone(res)));
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: 'The completion webhook’s delivery log: one entry per attempt, oldest first' })
  @ApiOkResponse({ type: [WebhookDeliveryDto] })
  @ApiErrors(400, 404)
  async deliveries(@CurrentCaller() caller: Caller, @Param('id', ParseIdPipe) id: string): Promise<WebhookDeliveryDto[]> {
    return (await this.webhooks.deliveriesOf(caller, id)).map(toWebhookDeliveryDto);
  }

  @Post(':id/cancel')
  @HttpCode(202)
  @ApiOperation({ summary: 'Cancel: pending at once; running through the handler’s AbortSignal' })
  @ApiAcceptedResponse({ type: ExecutionDto })
  @ApiErrors(400, 404, 409, 503)
  async cancel(@CurrentCaller() caller: Caller, @Param('id', ParseIdPipe) id: string): Promise<ExecutionDto> {
    return toExecutionDto(await this.control.cancel(caller, id));
  }

  @Post(':id/retry')
  @HttpCode(202)
  @UseGuards(ExecuteThrottlerGuard)
  @ApiOperation({ summary: 'A new execution with the same input; permissions checked again' })
  @ApiAcceptedResponse({ type: ExecutionAcceptedDto })
  @ApiErrors(400, 403, 404, 409, 503)
  retry(@CurrentCaller() caller: Caller, @Param('id', ParseIdPipe) id: string): Promise<ExecutionAcceptedDto> {
    return this.control.retry(caller, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a finished execution (and its uploaded file)' })
  @ApiNoContentResponse({ description: 'deleted' })
  @ApiErrors(400, 404, 409)
  async remove(@CurrentCaller() caller: Caller, @Param('id', ParseIdPipe) id: string): Promise<void> {
    await this.control.delete(caller, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Report status and progress of work done elsewhere (needs executions.update)' })
  @ApiOkResponse({ type: ExecutionDto })
  @ApiErrors(400, 403, 404, 409)
  async update(
    @CurrentCaller() caller: Caller,
    @Param('id', ParseIdPipe) id: string,
    @Body() body: UpdateExecutionDto,
  ): Promise<ExecutionDto> {
    return toExecutionDto(await this.control.update(caller, id, body));
  }
}
