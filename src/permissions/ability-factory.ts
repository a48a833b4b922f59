import { AbilityBuilder, createMongoAbility, ExtractSubjectType, InferSubjects, MongoAbility } from '@casl/ability';
import { Injectable } from '@nestjs/common';
import { Execution } from '../executions/execution.entity';
import { TaskDefinition } from '../task-registry/task-definition';
import { TaskRegistry } from '../task-registry/task-registry';
import { Caller } from './caller';

export const EXECUTIONS_UPDATE = 'executions.update';

export type Action = 'manage' | 'execute' | 'read' | 'cancel' | 'retry' | 'delete' | 'update';
export type Subjects = InferSubjects<typeof TaskDefinition | typeof Execution> | 'all';
export type AppAbility = MongoAbility<[Action, Subjects]>;

/** Turns a caller into what it may do: the one place where the permission rules live. */
@Injectable()
export class AbilityFactory {
  /**
   * One ability per resolved identity, keyed on its token snapshot: the authenticator's cached
   * caller keeps it from request to request (each request copies the caller to add its address),
   * and re-resolving the identity (a change, a recheck) makes a new snapshot, so a new ability.
   */
  private readonly built = new WeakMap<Caller['token'], AppAbility>();

  constructor(private readonly registry: TaskRegistry) {}

  createForCaller(caller: Caller): AppAbility {
    let ability = this.built.get(caller.token);
    if (!ability) this.built.set(caller.token, (ability = this.build(caller)));
    return ability;
  }

  private build(caller: Caller): AppAbility {
    const { can, build } = new AbilityBuilder<AppAbility>(createMongoAbility);
    if (caller.isAdmin) {
      can('manage', 'all');
    } else {
      // Execute needs every permission the task declares; one rule per task keeps that exact.
      const executable = this.registry.all().filter((task) => task.isPublic || task.missingPermissions(caller.permissions).length === 0);
      for (const task of executable) can('execute', TaskDefinition, { name: task.name });
      // External progress reports (PATCH) need the permission as well as ownership.
      const actions: Action[] = [
        'read',
        'cancel',
        'retry',
        'delete',
        ...(caller.permissions.includes(EXECUTIONS_UPDATE) ? ['update' as const] : []),
      ];
      const ownerId = caller.principal.id;
      if (caller.token.scopes === null) {
        can(actions, Execution, { ownerId });
      } else {
        // A scoped token governs only what its scopes would let it start: the rest is as foreign to it as another's.
        for (const task of executable) can(actions, Execution, { ownerId, taskName: task.name });
      }
    }
    return build({ detectSubjectType: (item) => item.constructor as ExtractSubjectType<Subjects> });
  }

  /**
   * SPEC 7.11: whether the caller approves (or rejects) `execution`: a member of one of the groups
   * it waits on, other than its requester. Approvers may read it (while it waits and after: they
   * took part) and vote on it, nothing else. It is not a CASL rule: the rule lives in the
   * execution's JSON, which list queries cannot turn into a WHERE; `GET /approvals` has its own.
   * A scoped token approves only the tasks its scopes would let it start, as it reads only those.
   */
  isApprover(caller: Caller, execution: Execution): boolean {
    if (!execution.approval || execution.ownerId === caller.principal.id) return false;
    if (!this.scopesCover(caller, execution.taskName)) return false;
    return execution.approval.requirements.some((requirement) => caller.groups.includes(requirement.group));
  }

  /** Whether the caller's token scopes (if any) cover every permission of the task. */
  scopesCover(caller: Caller, taskName: string): boolean {
    const scopes = caller.token.scopes;
    if (scopes === null) return true;
    const task = this.registry.find(taskName);
    return task !== undefined && task.permissions.every((permission) => scopes.includes(permission));
  }
}
