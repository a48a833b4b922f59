import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { ApiAcceptedResponse, ApiBody, ApiConsumes, ApiHeader, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { ApiAuthenticated, ApiErrors } from '../common/api-docs';
import { ExecuteThrottlerGuard } from '../rate-limits/execute-throttler.guard';
import type { Caller } from '../permissions/caller';
import { AvailableTaskDto, toAvailableTaskDto } from './dto/available-task.dto';
import { ExecuteTaskDto } from '../executions/dto/execute-task.dto';
import { ExplainRequestDto, ExplanationDto } from '../executions/dto/explain.dto';
import { TaskCatalogEntryDto, toTaskCatalogEntryDto } from './dto/task-catalog-entry.dto';
import { ExecutionAcceptedDto, ExecutionDto, toExecutionDto, UploadAcceptedDto } from '../executions/dto/execution.dto';
import { isTerminal } from '../executions/execution-status';
import { ExecutionWaiter } from '../executions/execution-waiter';
import { clientGone } from './client-gone';
import { ApiWaitQuery, WaitSecondsPipe } from './wait-seconds.pipe';
import { TaskRegistry } from '../task-registry/task-registry';
import { ExecutionsService } from '../executions/executions.service';
import { BatchSubmissionsService } from '../executions/batch-submissions.service';
import {
  batchSize,
  EXECUTE_BATCH_EXAMPLE,
  EXECUTE_BATCH_RESULT_EXAMPLE,
  ExecuteBatchDto,
  ExecuteBatchResultDto,
} from '../executions/dto/execute-batch.dto';
import { ExecutionsPerRequest } from '../rate-limits/executions-per-request.decorator';
import { IdempotencyKey } from './idempotency-key.decorator';
import { UPLOAD_FORM } from './upload-fields';
import { UploadSubmissions } from './upload-submissions';
import { UploadInterceptor } from './upload.interceptor';

@ApiAuthenticated('tasks')
@Controller('tasks')
export class TasksController {
  constructor(
    private readonly executions: ExecutionsService,
    private readonly batches: BatchSubmissionsService,
    private readonly registry: TaskRegistry,
    private readonly waiter: ExecutionWaiter,
    private readonly uploadSubmissions: UploadSubmissions,
  ) {}

  @Post('execute')
  @HttpCode(202)
  @UseGuards(ExecuteThrottlerGuard)
  @ApiOperation({ summary: 'Run a task: the record is written pending and the job enqueued' })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'per principal, 24 h: same key and body → the same execution' })
  @ApiWaitQuery('answered 200 with the whole record if it ends within them, else 202 as without `wait`')
  @ApiAcceptedResponse({ type: ExecutionAcceptedDto })
  @ApiOkResponse({ type: ExecutionDto, description: 'with `wait`: the execution ended within the wait (the record as GET answers it)' })
  @ApiErrors(400, 403, 404, 409, 413, 503)
  async execute(
    @CurrentCaller() caller: Caller,
    @Body() body: ExecuteTaskDto,
    @IdempotencyKey() idempotencyKey: string | undefined,
    @Query('wait', WaitSecondsPipe) wait: number | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ExecutionAcceptedDto | ExecutionDto> {
    const accepted = await this.executions.submit(caller, body, { idempotencyKey });
    if (wait === undefined) return accepted;
    // A replayed Idempotency-Key waits on the execution it replays.
    const execution = await this.waiter.untilTerminal(caller, accepted.execution_id, wait, clientGone(res));
    if (!isTerminal(execution.status)) return accepted;
    res.status(200);
    return toExecutionDto(execution);
  }

  @Post('explain')
  @HttpCode(200)
  @ApiOperation({
    summary: 'What execute would decide for this request, writing nothing (SPEC 7.12)',
    description:
      'The same decision as execute, for this caller and token: per permission the grant that answers for it (direct, ' +
      'through a group, or admin) or why none does. A refusal is `outcome: "denied"`, not a 403; the kwargs are checked ' +
      '(400) unless refused, as execute checks them. It never reveals other principals’ grants.',
  })
  @ApiOkResponse({ type: ExplanationDto })
  @ApiErrors(400, 404)
  explain(@CurrentCaller() caller: Caller, @Body() body: ExplainRequestDto): Promise<ExplanationDto> {
    return this.executions.explain(caller, body);
  }

  @Post('execute-batch')
  @HttpCode(200)
  @UseGuards(ExecuteThrottlerGuard)
  @ExecutionsPerRequest(batchSize)
  @ApiOperation({
    summary: 'Run up to 1000 tasks: each item checked on its own, the accepted ones written in one transaction and enqueued together',
    description:
      'Each item gets the status a single execute would have given it (202, 400, 403, 404, 409, or 429 over a quota of the ' +
      'token or a grant: quotas count the items one by one, in order) and, when refused, that answer’s ' +
      '`message` as `error`. Each item counts toward RATE_LIMIT_EXECUTE; a batch that would go over it is refused whole (429). ' +
      'Keys go in each item’s `idempotency_key`: an Idempotency-Key header is refused (400) rather than ignored.',
  })
  @ApiBody({ type: ExecuteBatchDto, examples: { batch: { value: EXECUTE_BATCH_EXAMPLE } } })
  @ApiOkResponse({ type: ExecuteBatchResultDto, example: EXECUTE_BATCH_RESULT_EXAMPLE })
  @ApiErrors(400, 413, 503)
  executeBatch(
    @CurrentCaller() caller: Caller,
    @Body() body: ExecuteBatchDto,
    @IdempotencyKey() idempotencyKey: string | undefined,
  ): Promise<ExecuteBatchResultDto> {
    // Ignoring it would let a client believe its retries are safe.
    if (idempotencyKey !== undefined)
      throw new BadRequestException(['Idempotency-Key is not supported on batches: give each item an idempotency_key']);
    return this.batches.submit(caller, body.items);
  }

  /** Multipart: `file` plus optional `kwargs`/`args` (JSON), `resource`, `priority`, `delay_ms`, `timeout_ms`. */
  @Post(':task_name/upload')
  @HttpCode(202)
  @UseGuards(ExecuteThrottlerGuard)
  @ApiOperation({ summary: 'Run a task that takes a file' })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: UPLOAD_FORM })
  @ApiAcceptedResponse({ type: UploadAcceptedDto })
  @ApiErrors(400, 403, 404, 413, 415, 503)
  @UseInterceptors(UploadInterceptor)
  upload(@CurrentCaller() caller: Caller, @Param('task_name') taskName: string, @Req() request: Request): Promise<UploadAcceptedDto> {
    return this.uploadSubmissions.submit(caller, taskName, request);
  }

  @Get('available')
  @ApiOperation({
    summary: 'The tasks this caller may execute (admin: all), with their kwargs schemas',
    description: 'A task held only under conditions is listed, with them in `conditions`: it runs for the requests that meet them.',
  })
  @ApiOkResponse({ type: [AvailableTaskDto] })
  available(@CurrentCaller() caller: Caller): AvailableTaskDto[] {
    return this.executions.availableTasks(caller).map((task) => toAvailableTaskDto(task, caller));
  }

  @Get('catalog')
  @ApiOperation({ summary: 'Every registered task, with whether and why this caller may run it' })
  @ApiOkResponse({ type: [TaskCatalogEntryDto] })
  catalog(@CurrentCaller() caller: Caller): TaskCatalogEntryDto[] {
    const allowed = new Set(this.executions.availableTasks(caller));
    return this.registry.all().map((task) => toTaskCatalogEntryDto(task, caller, allowed.has(task)));
  }
}
