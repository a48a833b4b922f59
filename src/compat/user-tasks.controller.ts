import { BadRequestException, Controller, Get, Param, ParseIntPipe, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { ApiAuthenticated, ApiErrors } from '../common/api-docs';
import { ExecutionsQueryService } from '../executions/executions-query.service';
import { ExecutionsService } from '../executions/executions.service';
import type { Caller } from '../permissions/caller';
import { SeedTaskIdPipe } from './seed-task-id.pipe';
import { LEARNING_PATH_RESOURCE, toUserTaskDto, UserTaskDto, UserTasksQuery } from './user-task.dto';

const LEARNING_PATH_ID = new ParseIntPipe({
  exceptionFactory: () => new BadRequestException(['learning_path_id must be a whole number']),
});

/** The user task status API (seed 001) over the native core; `/api/tasks`, outside the `/api/v1` prefix. */
@ApiAuthenticated('compat: user task status API')
@Controller('api/tasks')
export class UserTasksController {
  constructor(
    private readonly executions: ExecutionsService,
    private readonly queries: ExecutionsQueryService,
  ) {}

  @Get('users/me')
  @ApiOperation({ summary: 'The caller’s own tasks, newest first (skip/limit)' })
  @ApiOkResponse({ type: [UserTaskDto] })
  @ApiErrors(400)
  async mine(@CurrentCaller() caller: Caller, @Query() query: UserTasksQuery): Promise<UserTaskDto[]> {
    const tasks = await this.queries.slice(caller, { owner: caller.principal.id }, query.skip ?? 0, query.limit ?? 20);
    return tasks.map(toUserTaskDto);
  }

  @Get('learning-paths/:learning_path_id')
  @ApiOperation({ summary: 'The latest visible task with resource learning_path:<n>' })
  @ApiOkResponse({ type: UserTaskDto })
  @ApiErrors(400, 404)
  async latestForLearningPath(
    @CurrentCaller() caller: Caller,
    @Param('learning_path_id', LEARNING_PATH_ID) learningPathId: number,
  ): Promise<UserTaskDto> {
    return toUserTaskDto(await this.queries.latestForResource(caller, `${LEARNING_PATH_RESOURCE}${learningPathId}`));
  }

  @Get(':task_id/status')
  @ApiOperation({ summary: 'One task’s status and progress' })
  @ApiOkResponse({ type: UserTaskDto })
  @ApiErrors(404)
  async status(@CurrentCaller() caller: Caller, @Param('task_id', SeedTaskIdPipe) id: string): Promise<UserTaskDto> {
    return toUserTaskDto(await this.executions.findVisible(caller, id));
  }
}
