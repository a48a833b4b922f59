import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { ConflictError, InvalidInputError, NotFoundError } from '../common/domain-errors';
import { isUniqueViolation } from '../database/unique-violation';
import { GrantApproval, parseApproval } from '../permissions/grant-approval';
import { conditionProblems, GrantConditions } from '../permissions/grant-conditions';
import { parseQuota, Quota } from '../quotas/quota';
import { PERMISSION_PATTERN } from '../task-registry/task-naming';
import { TaskRegistry } from '../task-registry/task-registry';
import { GroupMembership } from './group-membership.entity';
import { Group } from './group.entity';
import { GrantOutcome, PermissionGrant } from './permission-grant.entity';
import { Principal, PrincipalKind } from './principal.entity';

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$/;

/** Who a grant or revoke touched, and which permissions actually changed. */
export interface GrantChange {
  holder: { type: 'principal' | 'group'; id: string; name: string };
  permissions: string[];
  /** Granted before with other conditions: the grant now carries the new ones (grant only). */
  updated?: string[];
}

/** What a grant says beyond its permission (SPEC 7.7, 7.11, 7.13); each null when absent. */
export interface GrantTerms {
  conditions: GrantConditions | null;
  approval: GrantApproval | null;
  quota: Quota | null;
}

export const NO_TERMS: GrantTerms = { conditions: null, approval: null, quota: null };

export interface PrincipalCreation {
  name: string;
  kind?: PrincipalKind;
  isAdmin?: boolean;
  permissions?: string[];
  groups?: string[];
}

/** Principals, groups, memberships and grants: who exists and what each holds. */
@Injectable()
export class PrincipalsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: TaskRegistry,
  ) {}

  async createPrincipal(input: PrincipalCreation): Promise<Principal> {
    checkName(input.name);
    checkPermissions(input.permissions ?? []);
    return this.dataSource.transaction(async (manager) => {
      const principal = manager.create(Principal, {
        id: randomUUID(),
        name: input.name,
        kind: input.kind ?? 'user',
        isAdmin: input.isAdmin ?? false,
        disabled: false,
      });
      await insertOrConflict(manager, principal, `principal "${input.name}" already exists`);
      for (const permission of input.permissions ?? []) {
        await manager.insert(PermissionGrant, { id: randomUUID(), permission, principalId: principal.id, groupId: null });
      }
      for (const groupName of input.groups ?? []) {
        const group = await findGroup(manager, groupName);
        await manager.insert(GroupMembership, { groupId: group.id, principalId: principal.id });
      }
      return principal;
    });
  }

  async createGroup(name: string, permissions: string[] = []): Promise<Group> {
    checkName(name);
    checkPermissions(permissions);
    return this.dataSource.transaction(async (manager) => {
      const group = manager.create(Group, { id: randomUUID(), name });
      await insertOrConflict(manager, group, `group "${name}" already exists`);
      for (const permission of permissions) {
        await manager.insert(PermissionGrant, { id: randomUUID(), permission, principalId: null, groupId: group.id });
      }
      return group;
    });
  }

  /** Whether the membership is new. */
  async addMember(groupName: string, principalName: string): Promise<{ group: Group; principal: Principal; added: boolean }> {
    const group = await findGroup(this.dataSource.manager, groupName);
    const principal = await this.findPrincipal(principalName);
    return { group, principal, added: await this.addMembership(group.id, principal.id) };
  }

  /** Whether the membership is new; one added by a concurrent request counts as already there. */
  async addMembership(groupId: string, principalId: string): Promise<boolean> {
    const manager = this.dataSource.manager;
    if (await manager.existsBy(GroupMembership, { groupId, principalId })) return false;
    try {
      await manager.insert(GroupMembership, { groupId, principalId });
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  /**
   * Grants to a principal or, if no principal has that name, a group. A holder holds a permission
   * at most twice: once to run at once and once through approval (SPEC 7.11). Granting what is
   * granted is harmless; granting again with other terms replaces them. Terms go with one
   * permission at a time.
   */
  async grant(holderName: string, permissions: string[], input: Partial<GrantTerms> = {}): Promise<GrantChange> {
    checkPermissions(permissions);
    const terms = { ...NO_TERMS, ...input };
    if (hasTerms(terms) && permissions.length !== 1)
      throw new InvalidInputError(['conditions, approval and quota go with exactly one permission']);
    if (permissions.length === 1) await this.checkTerms(permissions[0], terms);
    const { holder, column } = await this.findHolder(holderName);
    const granted: string[] = [];
    const updated: string[] = [];
    await this.dataSource.transaction(async (manager) => {
      for (const permission of permissions) {
        const existing = await manager.findOneBy(PermissionGrant, { ...column, permission, outcome: outcomeOf(terms) });
        if (!existing) {
          await manager.insert(PermissionGrant, {
            id: randomUUID(),
            permission,
            principalId: null,
            groupId: null,
            ...grantColumns(terms),
            ...column,
          });
          granted.push(permission);
        } else if (!sameTerms(existing, terms)) {
          await manager.update(PermissionGrant, { id: existing.id }, grantColumns(terms));
          updated.push(permission);
        }
      }
    });
    return { holder, permissions: granted, updated };
  }

  /**
   * A 400 listing what is wrong with a grant's terms for `permission`: its conditions (SPEC 7.7),
   * its approval rule, whose group must exist (7.11), its quota (7.13). Normalizes them in place
   * (defaults filled in, an empty quota is none).
   */
  async checkTerms(permission: string, terms: GrantTerms): Promise<void> {
    const problems: string[] = [];
    if (terms.conditions !== null) problems.push(...conditionProblems(permission, terms.conditions, this.registry.all()));
    if (terms.approval !== null) {
      const parsed = parseApproval(terms.approval);
      if ('problems' in parsed) problems.push(...parsed.problems);
      else if (!(await this.dataSource.manager.existsBy(Group, { name: parsed.approval.group }))) {
        problems.push(`approval.group: group "${parsed.approval.group}" does not exist`);
      } else terms.approval = parsed.approval;
    }
    if (terms.quota !== null) {
      const parsed = parseQuota(terms.quota);
      if ('problems' in parsed) problems.push(...parsed.problems);
      else terms.quota = parsed.quota;
    }
    if (problems.length > 0) throw new InvalidInputError(problems);
  }

  async revoke(holderName: string, permissions: string[]): Promise<GrantChange> {
    const { holder, column } = await this.findHolder(holderName);
    const revoked: string[] = [];
    for (const permission of permissions) {
      const deleted = await this.dataSource.manager.delete(PermissionGrant, { ...column, permission });
      if (deleted.affected) revoked.push(permission);
    }
    return { holder, permissions: revoked };
  }

  async findPrincipal(name: string): Promise<Principal> {
    const principal = await this.dataSource.manager.findOneBy(Principal, { name });
    if (!principal) throw new NotFoundError(`principal "${name}" not found`);
    return principal;
  }

  async setDisabled(name: string, disabled: boolean): Promise<void> {
    const principal = await this.findPrincipal(name);
    await this.dataSource.manager.update(Principal, { id: principal.id }, { disabled });
  }

  async hasAnyPrincipal(): Promise<boolean> {
    return (await this.dataSource.manager.count(Principal)) > 0;
  }

  private async findHolder(
    name: string,
  ): Promise<{ holder: GrantChange['holder']; column: { principalId: string } | { groupId: string } }> {
    const principal = await this.dataSource.manager.findOneBy(Principal, { name });
    if (principal) return { holder: { type: 'principal', id: principal.id, name }, column: { principalId: principal.id } };
    const group = await this.dataSource.manager.findOneBy(Group, { name });
    if (group) return { holder: { type: 'group', id: group.id, name }, column: { groupId: group.id } };
    throw new NotFoundError(`no principal or group named "${name}"`);
  }
}

async function findGroup(manager: EntityManager, name: string): Promise<Group> {
  const group = await manager.findOneBy(Group, { name });
  if (!group) throw new NotFoundError(`group "${name}" not found`);
  return group;
}

async function insertOrConflict(manager: EntityManager, entity: Principal | Group, message: string): Promise<void> {
  try {
    await manager.insert(entity.constructor, entity);
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError(message);
    throw error;
  }
}

function checkName(name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw new InvalidInputError([`name "${name}" must be 1-100 letters, digits, _ . @ - and start with a letter or digit`]);
  }
}

/** Whether a grant already says what `terms` say (key order aside). */
export function sameTerms(grant: GrantTerms, terms: GrantTerms): boolean {
  return canonical([grant.conditions, grant.approval, grant.quota]) === canonical([terms.conditions, terms.approval, terms.quota]);
}

export function outcomeOf(terms: GrantTerms): GrantOutcome {
  return terms.approval ? 'approval' : 'run';
}

/** The columns a grant with these terms has. */
export function grantColumns(terms: GrantTerms): Pick<PermissionGrant, 'conditions' | 'approval' | 'quota' | 'outcome'> {
  return { conditions: terms.conditions, approval: terms.approval, quota: terms.quota, outcome: outcomeOf(terms) };
}

function hasTerms(terms: GrantTerms): boolean {
  return terms.conditions !== null || terms.approval !== null || terms.quota !== null;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(',')}}`;
}

export function checkPermissions(permissions: string[]): void {
  const bad = permissions.filter((permission) => !PERMISSION_PATTERN.test(permission) || permission.length > 100);
  if (bad.length > 0) throw new InvalidInputError(bad.map((p) => `permission "${p}" must match [a-z0-9_.:-]`));
}
