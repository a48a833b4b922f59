import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Req,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiConsumes,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { ApiAuthenticated, ApiErrors } from '../common/api-docs';
import { AppConfig } from '../config/app-config';
import { UPLOAD_FORM } from '../executions-api/upload-fields';
import { UploadSubmissions } from '../executions-api/upload-submissions';
import { ExecutionControlService } from '../executions/execution-control.service';
import { ExecutionsQueryService } from '../executions/executions-query.service';
import { ExecutionsService } from '../executions/executions.service';
import type { Caller } from '../permissions/caller';
import { ExecuteThrottlerGuard } from '../rate-limits/execute-throttler.guard';
import { SeedTaskIdPipe } from './seed-task-id.pipe';
import { SeedUploadInterceptor } from './seed-upload.interceptor';
import { V1_TASK_STATUSES } from './seed-statuses';
import {
  toV1TaskDto,
  V1TaskDto,
  V1TaskListQuery,
  V1TaskPageDto,
  V1TaskStatisticsDto,
  V1TaskUpdateDto,
  V1UploadAcceptedDto,
} from './v1-task.dto';

/**
 * The task routes of seeds 000 and 003 over the native core, at `/api/v1/tasks` beside the native
 * task routes, which keep precedence (they are registered first, and no native word is a task id).
 */
@ApiAuthenticated('compat: /api/v1/tasks')
@Controller('tasks')
export class V1TasksController {
  constructor(
    private readonly config: AppConfig,
    private readonly executions: ExecutionsService,
    private readonly queries: ExecutionsQueryService,
    private readonly control: ExecutionControlService,
    private readonly uploadSubmissions: UploadSubmissions,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Own tasks (admin: all): an array of at most `limit` (seed 000), or with page/page_size a numbered page (seed 003)',
  })
  @ApiExtraModels(V1TaskDto, V1TaskPageDto)
  @ApiOkResponse({
    schema: { oneOf: [{ type: 'array', items: { $ref: getSchemaPath(V1TaskDto) } }, { $ref: getSchemaPath(V1TaskPageDto) }] },
    description: 'an array without page and page_size; V1TaskPage with either',
  })
  @ApiErrors(400)
  async list(@CurrentCaller() caller: Caller, @Query() query: V1TaskListQuery): Promise<V1TaskDto[] | V1TaskPageDto> {
    const status = query.status === undefined ? undefined : V1_TASK_STATUSES.selects(query.status);
    const sortBy = query.sort_by === 'type' ? 'task_name' : query.sort_by;
    const numbered = query.page !== undefined || query.page_size !== undefined;
    const page = await this.queries.list(caller, {
      status,
      sort_by: sortBy,
      order: query.order,
      ...(numbered ? { page: query.page ?? 1, page_size: query.page_size ?? 20, limit: query.limit } : { limit: query.limit ?? 10 }),
    });
    const items = page.items.map(toV1TaskDto);
    if (!numbered) return items;
    return { items, total: page.numbered?.total ?? 0, page: query.page ?? 1, page_size: query.page_size ?? 20 };
  }

  @Get('statistics')
  @ApiOperation({ summary: 'Counts over what the caller may see; cancelled and timed-out tasks count in total only' })
  @ApiOkResponse({ type: V1TaskStatisticsDto })
  @ApiErrors(400)
  async statistics(@CurrentCaller() caller: Caller, @Query() query: Record<string, unknown>): Promise<V1TaskStatisticsDto> {
    // It takes no parameter; an unknown one is a 400, as on the native statistics.
    const unknown = Object.keys(query);
    if (unknown.length > 0) throw new BadRequestException(unknown.map((name) => `property ${name} should not exist`));
    const counts = await this.queries.statistics(caller);
    return { total: counts.total, pending: counts.pending, processing: counts.running, completed: counts.completed, failed: counts.failed };
  }

  @Post('upload')
  @HttpCode(202)
  @UseGuards(ExecuteThrottlerGuard)
  @ApiOperation({
    summary: 'Run COMPAT_UPLOAD_TASK (default demo.checksum) on the uploaded file',
    description: 'The seed sends `file` alone; the native upload’s optional form fields are accepted too.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: UPLOAD_FORM })
  @ApiAcceptedResponse({ type: V1UploadAcceptedDto })
  @ApiErrors(400, 403, 404, 413, 415, 503)
  @UseInterceptors(SeedUploadInterceptor)
  async upload(@CurrentCaller() caller: Caller, @Req() request: Request): Promise<V1UploadAcceptedDto> {
    const accepted = await this.uploadSubmissions.submit(caller, this.config.compatUploadTask, request);
    return { task_id: accepted.execution_id, file_name: accepted.file_name, file_size: accepted.file_size, status: 'pending' };
  }

  @Get(':task_id')
  @ApiOperation({ summary: 'One task object' })
  @ApiOkResponse({ type: V1TaskDto })
  @ApiErrors(404)
  async findOne(@CurrentCaller() caller: Caller, @Param('task_id', SeedTaskIdPipe) id: string): Promise<V1TaskDto> {
    return toV1TaskDto(await this.executions.findVisible(caller, id));
  }

  @Delete(':task_id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a finished task (409 while pending or processing)' })
  @ApiNoContentResponse({ description: 'deleted' })
  @ApiErrors(404, 409)
  async remove(@CurrentCaller() caller: Caller, @Param('task_id', SeedTaskIdPipe) id: string): Promise<void> {
    await this.control.delete(caller, id);
  }

  @Post(':task_id/retry')
  @HttpCode(202)
  @UseGuards(ExecuteThrottlerGuard)
  @ApiOperation({ summary: 'A new task with the same input; permissions checked again' })
  @ApiAcceptedResponse({ type: V1TaskDto, description: 'the new task' })
  @ApiErrors(403, 404, 409, 503)
  async retry(@CurrentCaller() caller: Caller, @Param('task_id', SeedTaskIdPipe) id: string): Promise<V1TaskDto> {
    const accepted = await this.control.retry(caller, id);
    return toV1TaskDto(await this.executions.findVisible(caller, accepted.execution_id));
  }

  @Patch(':task_id')
  @ApiOperation({ summary: 'Report status and progress of work done elsewhere (needs executions.update), as the native PATCH' })
  @ApiOkResponse({ type: V1TaskDto })
  @ApiErrors(400, 403, 404, 409)
  async update(
    @CurrentCaller() caller: Caller,
    @Param('task_id', SeedTaskIdPipe) id: string,
    @Body() body: V1TaskUpdateDto,
  ): Promise<V1TaskDto> {
    const patch = { ...body, status: body.status === 'processing' ? ('running' as const) : body.status };
    return toV1TaskDto(await this.control.update(caller, id, patch));
  }
}
