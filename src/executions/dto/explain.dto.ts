import { ApiProperty, PickType } from '@nestjs/swagger';
import type { AccessOutcome } from '../../permissions/access-decision';
import type { GrantConditions } from '../../permissions/grant-conditions';
import { ExecuteTaskDto } from './execute-task.dto';

const OUTCOMES = ['run', 'approval', 'denied'];

/** Body of `POST /tasks/explain` (SPEC 7.12): what execute would be asked. */
export class ExplainRequestDto extends PickType(ExecuteTaskDto, ['task_name', 'kwargs', 'resource'] as const) {}

export class PermissionExplanationDto {
  @ApiProperty() permission: string;
  @ApiProperty({ enum: OUTCOMES }) outcome: AccessOutcome;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'the grant that answers for it; null for admins and refusals' })
  grant_id: string | null;
  @ApiProperty({ type: String, nullable: true, description: '`direct`, `group:<name>` or `admin`; null when refused' })
  via: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'the matching grant’s conditions (SPEC 7.7)' })
  conditions: GrantConditions | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'why it is refused (no grant, outside the token’s scopes, the conditions’ fields that did not match) or must wait',
  })
  reason: string | null;
}

export class ExplanationDto {
  @ApiProperty() task_name: string;
  @ApiProperty({ enum: OUTCOMES, description: 'run: at once; approval: it would wait for approval; denied: 403' })
  outcome: AccessOutcome;
  @ApiProperty({ type: [PermissionExplanationDto], description: 'one per permission the task needs' })
  permissions: PermissionExplanationDto[];
}
