import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { CurrentCaller } from '../auth/current-caller.decorator';
import type { Caller } from '../permissions/caller';
import { type AvailableTaskDto, toAvailableTaskDto } from './dto/available-task.dto';
import { ExecuteTaskDto } from './dto/execute-task.dto';
import type { ExecutionAcceptedDto } from './dto/execution.dto';
import { ExecutionsService } from './executions.service';
import { IdempotencyKey } from './idempotency-key.decorator';

@Controller('tasks')
export class TasksController {
  constructor(private readonly executions: ExecutionsService) {}

  @Post('execute')
  @HttpCode(202)
  execute(
    @CurrentCaller() caller: Caller,
    @Body() body: ExecuteTaskDto,
    @IdempotencyKey() idempotencyKey: string | undefined,
  ): Promise<ExecutionAcceptedDto> {
    return this.executions.submit(caller, body, { idempotencyKey });
  }

  @Get('available')
  available(@CurrentCaller() caller: Caller): AvailableTaskDto[] {
    return this.executions.availableTasks(caller).map(toAvailableTaskDto);
  }
}
