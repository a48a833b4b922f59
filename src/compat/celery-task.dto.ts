import { maskSealed } from '../secrets/secrets-cipher';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { WholeNumberQuery } from '../common/whole-number-query';
import { iso, JSON_VALUE } from '../executions/dto/execution.dto';
import type { Execution } from '../executions/execution.entity';
import { isTerminal } from '../executions/execution-status';
import type { TaskDefinition } from '../task-registry/task-definition';
import { CELERY_STATES } from './seed-statuses';

/** `202` of `POST /api/tasks/execute/`. */
export class CeleryAcceptedDto {
  @ApiProperty({ format: 'uuid' }) execution_id: string;
  @ApiProperty({ description: 'the queue job’s id (the execution id)' }) celery_task_id: string;
  @ApiProperty({ enum: CELERY_STATES.words, example: 'PENDING' }) status: string;
  @ApiProperty({ example: 'Task submitted successfully' }) message: string;
}

/** One execution as the Celery Task API showed it: Celery states, `duration` as `H:MM:SS`. */
export class CeleryTaskDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'demo.add' }) task_name: string;
  @ApiProperty() celery_task_id: string;
  @ApiProperty({ enum: CELERY_STATES.words }) status: string;
  @ApiProperty({ nullable: true, description: 'the JSON result, once SUCCESS', oneOf: JSON_VALUE }) result: unknown;
  @ApiProperty({ type: 'array', items: {} }) args: unknown[];
  @ApiProperty({ type: 'object', additionalProperties: true }) kwargs: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) started_at: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) completed_at: string | null;
  @ApiProperty({ type: String, nullable: true, example: '0:00:04', description: 'H:MM:SS, whole seconds; null until finished' })
  duration: string | null;
  @ApiProperty() is_complete: boolean;
  @ApiProperty({ type: String, nullable: true, description: 'of a FAILURE: the traceback, or the error when there is none' })
  traceback: string | null;
}

/** `GET /api/tasks/available/`. */
export class CeleryAvailableTaskDto {
  @ApiProperty() task_name: string;
  @ApiProperty() description: string;
  @ApiProperty({ type: [String] }) permissions: string[];
}

/** A Django REST Framework page. */
export class CeleryTaskPageDto {
  @ApiProperty({ description: 'every visible execution matching the filter' }) count: number;
  @ApiProperty({ type: String, nullable: true, example: 'http://localhost:3000/api/tasks/?page=2' }) next: string | null;
  @ApiProperty({ type: String, nullable: true }) previous: string | null;
  @ApiProperty({ type: [CeleryTaskDto] }) results: CeleryTaskDto[];
}

/** Query of `GET /api/tasks/`. */
export class CeleryTaskListQuery {
  @ApiPropertyOptional({ enum: CELERY_STATES.words, example: 'SUCCESS' })
  @IsOptional()
  @IsIn(CELERY_STATES.words, { message: `status must be one of ${CELERY_STATES.words.join(', ')}` })
  status?: string;

  @ApiPropertyOptional({ minimum: 1, default: 1 })
  @WholeNumberQuery('page', 1)
  page?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @WholeNumberQuery('page_size', 1, 100)
  page_size?: number;
}

export function toCeleryTaskDto(e: Execution): CeleryTaskDto {
  return {
    id: e.id,
    task_name: e.taskName,
    celery_task_id: e.jobId ?? e.id,
    status: CELERY_STATES.shown[e.status],
    result: e.result ?? null,
    args: e.args,
    kwargs: maskSealed(e.kwargs),
    created_at: e.createdAt.toISOString(),
    started_at: iso(e.startedAt),
    completed_at: iso(e.completedAt),
    duration: isTerminal(e.status) && e.durationMs !== null ? hoursMinutesSeconds(e.durationMs) : null,
    is_complete: isTerminal(e.status),
    // A FAILURE says why: the handler's traceback, or the error of a timeout or of a failure reported by PATCH.
    traceback: CELERY_STATES.shown[e.status] === 'FAILURE' ? (e.traceback ?? e.error) : null,
  };
}

export function toCeleryAvailableTaskDto(task: TaskDefinition): CeleryAvailableTaskDto {
  return { task_name: task.name, description: task.description, permissions: [...task.permissions] };
}

/** `H:MM:SS` of whole seconds (`0:00:04`; past a day the hours go on: `26:03:00`); the milliseconds are dropped. */
export function hoursMinutesSeconds(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${Math.floor(seconds / 3600)}:${two(Math.floor(seconds / 60) % 60)}:${two(seconds % 60)}`;
}
