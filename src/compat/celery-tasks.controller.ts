import { Body, Controller, Get, HttpCode, NotFoundException, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiHeader, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import type { Request } from 'express';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { ApiAuthenticated, ApiErrors } from '../common/api-docs';
import { IdempotencyKey } from '../executions-api/idempotency-key.decorator';
import { ExecuteTaskDto } from '../executions/dto/execute-task.dto';
import { ExecutionsQueryService } from '../executions/executions-query.service';
import { ExecutionsService } from '../executions/executions.service';
import type { Caller } from '../permissions/caller';
import { ExecuteThrottlerGuard } from '../rate-limits/execute-throttler.guard';
import {
  CeleryAcceptedDto,
  CeleryAvailableTaskDto,
  CeleryTaskDto,
  CeleryTaskListQuery,
  CeleryTaskPageDto,
  toCeleryAvailableTaskDto,
  toCeleryTaskDto,
} from './celery-task.dto';
import { pageLink } from './page-link';
import { CELERY_STATES } from './seed-statuses';
import { SeedTaskIdPipe } from './seed-task-id.pipe';

/** The Django/Celery Task API (seed 002) over the native core; `/api/tasks`, outside the `/api/v1` prefix. */
@ApiAuthenticated('compat: Celery task API')
@Controller('api/tasks')
export class CeleryTasksController {
  constructor(
    private readonly executions: ExecutionsService,
    private readonly queries: ExecutionsQueryService,
  ) {}

  @Post('execute')
  @HttpCode(202)
  @UseGuards(ExecuteThrottlerGuard)
  @ApiOperation({ summary: 'POST /tasks/execute, answered in Celery’s words', description: 'The body is the native execute body.' })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'as on the native execute' })
  @ApiAcceptedResponse({ type: CeleryAcceptedDto })
  @ApiErrors(400, 403, 404, 409, 413, 503)
  async execute(
    @CurrentCaller() caller: Caller,
    @Body() body: ExecuteTaskDto,
    @IdempotencyKey() idempotencyKey: string | undefined,
  ): Promise<CeleryAcceptedDto> {
    const accepted = await this.executions.submit(caller, body, { idempotencyKey });
    return {
      execution_id: accepted.execution_id,
      celery_task_id: accepted.job_id,
      status: CELERY_STATES.shown[accepted.status],
      message: 'Task submitted successfully',
    };
  }

  @Get('available')
  @ApiOperation({ summary: 'The tasks this caller may execute (admin: all)' })
  @ApiOkResponse({ type: [CeleryAvailableTaskDto] })
  available(@CurrentCaller() caller: Caller): CeleryAvailableTaskDto[] {
    return this.executions.availableTasks(caller).map(toCeleryAvailableTaskDto);
  }

  @Get()
  @ApiOperation({ summary: 'Task history, newest first, in Django REST Framework pages', description: 'A page past the last is a 404.' })
  @ApiOkResponse({ type: CeleryTaskPageDto })
  @ApiErrors(400, 404)
  async list(@CurrentCaller() caller: Caller, @Query() query: CeleryTaskListQuery, @Req() request: Request): Promise<CeleryTaskPageDto> {
    const [page, pageSize] = [query.page ?? 1, query.page_size ?? 20];
    const status = query.status === undefined ? undefined : CELERY_STATES.selects(query.status);
    const { items, numbered } = await this.queries.list(caller, { status, page, page_size: pageSize });
    const count = numbered?.total ?? 0;
    // As Django REST Framework: page 1 may be empty, a later page past the end does not exist.
    if (page > 1 && items.length === 0) throw new NotFoundException('Invalid page.');
    return {
      count,
      next: page * pageSize < count ? pageLink(request, page + 1) : null,
      previous: page > 1 ? pageLink(request, page - 1) : null,
      results: items.map(toCeleryTaskDto),
    };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One execution, in Celery’s words' })
  @ApiOkResponse({ type: CeleryTaskDto })
  @ApiErrors(404)
  async findOne(@CurrentCaller() caller: Caller, @Param('id', SeedTaskIdPipe) id: string): Promise<CeleryTaskDto> {
    return toCeleryTaskDto(await this.executions.findVisible(caller, id));
  }
}
