import { ApiProperty } from '@nestjs/swagger';
import type { Caller } from '../../permissions/caller';
import { describeConditions } from '../../permissions/grant-conditions';
import { TaskDefinition } from '../../task-registry/task-definition';
import { AvailableTaskDto, toAvailableTaskDto } from './available-task.dto';

/** A registered task and, for this caller, whether and why it may run it. */
export class TaskCatalogEntryDto extends AvailableTaskDto {
  @ApiProperty() can_execute: boolean;
  @ApiProperty({
    example: 'you hold every permission it needs: payments.refund; payments.refund only when kwargs.amount <= 100',
    description: 'in words; conditions on your grants (SPEC 7.7) are said too',
  })
  reason: string;
  @ApiProperty({ type: [String] }) missing_permissions: string[];
}

export function toTaskCatalogEntryDto(task: TaskDefinition, caller: Caller, canExecute: boolean): TaskCatalogEntryDto {
  const missing = canExecute ? [] : task.missingPermissions(caller.permissions);
  return {
    ...toAvailableTaskDto(task, caller),
    can_execute: canExecute,
    reason: verdict(task, caller, canExecute, missing),
    missing_permissions: missing,
  };
}

function verdict(task: TaskDefinition, caller: Caller, canExecute: boolean, missing: string[]): string {
  if (caller.isAdmin) return 'you are an admin: admins may run every task';
  if (task.isPublic) return 'a public task: every principal may run it';
  if (canExecute)
    return `you hold every permission it needs: ${task.permissions.join(', ')}${onlyWhen(task, caller)}${afterApproval(task, caller)}`;
  const scoped = caller.token.scopes ? ` (this token is limited to: ${caller.token.scopes.join(', ') || 'nothing'})` : '';
  return `you lack ${missing.join(', ')}${scoped}; an admin can grant it to you or to one of your groups`;
}

/** The conditions the caller's grants put on the task's permissions, in words; empty when none. */
function onlyWhen(task: TaskDefinition, caller: Caller): string {
  const conditional = task.permissions.filter((permission) => caller.conditions[permission] !== undefined);
  return conditional
    .map((permission) => `; ${permission} only when ${caller.conditions[permission].map(describeConditions).join(', or when ')}`)
    .join('');
}

/** The approvals the caller's grants wait for (SPEC 7.11), in words; empty when none. */
function afterApproval(task: TaskDefinition, caller: Caller): string {
  return caller.grants
    .filter((grant) => grant.approval && task.permissions.includes(grant.permission))
    .map(({ permission, approval, conditions }) => {
      const when = conditions ? ` when ${describeConditions(conditions)}` : '';
      return `; ${permission}${when} after ${approval!.quorum} approval(s) from group ${approval!.group}`;
    })
    .join('');
}
