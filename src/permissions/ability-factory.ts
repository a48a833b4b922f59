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
  /** One ability per caller object (a request, or a WebSocket): a retry asks three times. */
  private readonly built = new WeakMap<Caller, AppAbility>();

  constructor(private readonly registry: TaskRegistry) {}

  createForCaller(caller: Caller): AppAbility {
    let ability = this.built.get(caller);
    if (!ability) this.built.set(caller, (ability = this.build(caller)));
    return ability;
  }

  private build(caller: Caller): AppAbility {
    const { can, build } = new AbilityBuilder<AppAbility>(createMongoAbility);
    if (caller.isAdmin) {
      can('manage', 'all');
    } else {
      // Execute needs every permission the task declares; one rule per task keeps that exact.
      for (const task of this.registry.all()) {
        if (task.isPublic || task.missingPermissions(caller.permissions).length === 0) {
          can('execute', TaskDefinition, { name: task.name });
        }
      }
      can(['read', 'cancel', 'retry', 'delete'], Execution, { ownerId: caller.principal.id });
      // External progress reports (PATCH) need the permission as well as ownership.
      if (caller.permissions.includes(EXECUTIONS_UPDATE)) {
        can('update', Execution, { ownerId: caller.principal.id });
      }
    }
    return build({ detectSubjectType: (item) => item.constructor as ExtractSubjectType<Subjects> });
  }
}
