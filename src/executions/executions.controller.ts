import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { CurrentCaller } from '../auth/current-caller.decorator';
import type { Caller } from '../permissions/caller';
import { type ExecutionDto, toExecutionDto } from './dto/execution.dto';
import { ExecutionsService } from './executions.service';

@Controller('executions')
export class ExecutionsController {
  constructor(private readonly executions: ExecutionsService) {}

  @Get(':id')
  async findOne(@CurrentCaller() caller: Caller, @Param('id', ParseUUIDPipe) id: string): Promise<ExecutionDto> {
    return toExecutionDto(await this.executions.findVisible(caller, id));
  }
}
