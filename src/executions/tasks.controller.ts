import { BadRequestException, Body, Controller, Get, HttpCode, Param, Post, Req, UseGuards, UseInterceptors } from '@nestjs/common';
import type { Request } from 'express';
import { rm } from 'node:fs/promises';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { ExecuteThrottlerGuard } from '../rate-limits/execute-throttler.guard';
import type { Caller } from '../permissions/caller';
import { type AvailableTaskDto, toAvailableTaskDto } from './dto/available-task.dto';
import { ExecuteTaskDto } from './dto/execute-task.dto';
import type { ExecutionAcceptedDto } from './dto/execution.dto';
import { ExecutionsService } from './executions.service';
import { IdempotencyKey } from './idempotency-key.decorator';
import { parseUploadFields } from './upload-fields';
import { UploadInterceptor } from './upload.interceptor';

@Controller('tasks')
export class TasksController {
  constructor(private readonly executions: ExecutionsService) {}

  @Post('execute')
  @HttpCode(202)
  @UseGuards(ExecuteThrottlerGuard)
  execute(
    @CurrentCaller() caller: Caller,
    @Body() body: ExecuteTaskDto,
    @IdempotencyKey() idempotencyKey: string | undefined,
  ): Promise<ExecutionAcceptedDto> {
    return this.executions.submit(caller, body, { idempotencyKey });
  }

  /** Multipart: `file` plus optional `kwargs`/`args` (JSON), `resource`, `priority`, `delay_ms`, `timeout_ms`. */
  @Post(':task_name/upload')
  @HttpCode(202)
  @UseGuards(ExecuteThrottlerGuard)
  @UseInterceptors(UploadInterceptor)
  async upload(
    @CurrentCaller() caller: Caller,
    @Param('task_name') taskName: string,
    @Req() request: Request,
  ): Promise<ExecutionAcceptedDto & { file_name: string; file_size: number }> {
    const file = request.file;
    if (!file) throw new BadRequestException(['file is required: send multipart/form-data with a "file" part']);
    try {
      if (request.headers['idempotency-key'] !== undefined) {
        throw new BadRequestException(['Idempotency-Key is not supported on uploads']);
      }
      const body = await parseUploadFields(taskName, request.body ?? {});
      const accepted = await this.executions.submit(caller, body, { file: { path: file.path, name: file.originalname, size: file.size } });
      return { ...accepted, file_name: file.originalname, file_size: file.size };
    } catch (error) {
      await rm(file.path, { force: true }); // a rejected upload leaves nothing behind
      throw error;
    }
  }

  @Get('available')
  available(@CurrentCaller() caller: Caller): AvailableTaskDto[] {
    return this.executions.availableTasks(caller).map(toAvailableTaskDto);
  }
}
