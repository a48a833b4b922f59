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
}
