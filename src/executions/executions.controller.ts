import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { CurrentCaller } from '../auth/current-caller.decorator';
import type { Caller } from '../permissions/caller';
import { type ExecutionAcceptedDto, type ExecutionDto, toExecutionDto } from './dto/execution.dto';
import { LatestQuery, ListExecutionsQuery, StatisticsQuery } from './dto/list-executions.query';
import { UpdateExecutionDto } from './dto/update-execution.dto';
import { ExecutionControlService } from './execution-control.service';
import { ExecutionsService } from './executions.service';
import { type ExecutionStatistics, ExecutionsQueryService } from './executions-query.service';

@Controller('executions')
export class ExecutionsController {
  constructor(
    private readonly executions: ExecutionsService,
    private readonly queries: ExecutionsQueryService,
    private readonly control: ExecutionControlService,
  ) {}

  @Get()
  async list(@CurrentCaller() caller: Caller, @Query() query: ListExecutionsQuery): Promise<{ items: ExecutionDto[]; next_cursor: string | null }> {
    const page = await this.queries.list(caller, query);
    return { items: page.items.map(toExecutionDto), next_cursor: page.nextCursor };
  }

  @Get('statistics')
  statistics(@CurrentCaller() caller: Caller, @Query() query: StatisticsQuery): Promise<ExecutionStatistics> {
    return this.queries.statistics(caller, query.task_name);
  }

  @Get('latest')
  async latest(@CurrentCaller() caller: Caller, @Query() query: LatestQuery): Promise<ExecutionDto> {
    return toExecutionDto(await this.queries.latestForResource(caller, query.resource));
  }

  @Get(':id')
  async findOne(@CurrentCaller() caller: Caller, @Param('id', ParseUUIDPipe) id: string): Promise<ExecutionDto> {
    return toExecutionDto(await this.executions.findVisible(caller, id));
  }

  @Post(':id/cancel')
  @HttpCode(202)
  async cancel(@CurrentCaller() caller: Caller, @Param('id', ParseUUIDPipe) id: string): Promise<ExecutionDto> {
    return toExecutionDto(await this.control.cancel(caller, id));
  }

  @Post(':id/retry')
  @HttpCode(202)
  retry(@CurrentCaller() caller: Caller, @Param('id', ParseUUIDPipe) id: string): Promise<ExecutionAcceptedDto> {
    return this.control.retry(caller, id);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@CurrentCaller() caller: Caller, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.control.delete(caller, id);
  }

  @Patch(':id')
  async update(@CurrentCaller() caller: Caller, @Param('id', ParseUUIDPipe) id: string, @Body() body: UpdateExecutionDto): Promise<ExecutionDto> {
    return toExecutionDto(await this.control.update(caller, id, body));
  }
}
