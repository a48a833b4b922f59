import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { isUniqueViolation } from '../database/unique-violation';
import { DataSource } from 'typeorm';
import { ApiToken } from '../auth/api-token.entity';
import { GroupMembership } from '../auth/group-membership.entity';
import { Group } from '../auth/group.entity';
import { PermissionGrant } from '../auth/permission-grant.entity';
import { Principal } from '../auth/principal.entity';
import { checkPermissions, PrincipalsService, sameTerms, grantColumns, outcomeOf, GrantTerms } from '../auth/principals.service';
import { CreatedToken, TokensService } from '../auth/tokens.service';
import { AuditLog } from '../audit/audit-log';
import { ConflictError, InvalidInputError, NotFoundError } from '../common/domain-errors';
import type { Caller } from '../permissions/caller';
import { AdminDirectory } from './admin-directory';
import { CreateGrantDto } from './dto/admin-grant.dto';
import { CreatePrincipalDto, UpdatePrincipalDto } from './dto/admin-principal.dto';
import { CreateTokenDto } from './dto/admin-token.dto';

/** Write side of the admin API: every change is audited with who made it. */
@Injectable()
export class AdminIdentity {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly principals: PrincipalsService,
    private readonly tokens: TokensService,
    private readonly directory: AdminDirectory,
    private readonly audit: AuditLog,
  ) {}

  async createPrincipal(caller: Caller, input: CreatePrincipalDto): Promise<Principal> {
    const principal = await this.principals.createPrincipal({ name: input.name, kind: input.kind, isAdmin: input.is_admin });
    await this.audit.record(
      caller,
      'principal.create',
      { type: 'principal', id: principal.id },
      {
        name: principal.name,
        kind: principal.kind,
        is_admin: principal.isAdmin,
      },
    );
    return principal;
  }

  /** Disable or enable, make or unmake admin. Admins cannot lock themselves out. */
  async updatePrincipal(caller: Caller, id: string, input: UpdatePrincipalDto): Promise<void> {
    if (input.disabled === undefined && input.is_admin === undefined)
      throw new InvalidInputError(['the body must set disabled or is_admin']);
    const principal = await this.directory.requirePrincipal(id);
    if (id === caller.principal.id && (input.disabled === true || input.is_admin === false)) {
      throw new ConflictError('you cannot disable yourself or remove your own admin rights; ask another admin');
    }
    const changes: Partial<Principal> = {};
    if (input.disabled !== undefined) changes.disabled = input.disabled;
    if (input.is_admin !== undefined) changes.isAdmin = input.is_admin;
    await this.dataSource.manager.update(Principal, { id }, changes);
    await this.audit.record(caller, 'principal.update', { type: 'principal', id }, { name: principal.name, ...input });
  }

  async createGroup(caller: Caller, name: string): Promise<Group> {
    const group = await this.principals.createGroup(name);
    await this.audit.record(caller, 'group.create', { type: 'group', id: group.id }, { name });
    return group;
  }

  /** Memberships and grants go with the group; the audit row keeps its name. */
  async deleteGroup(caller: Caller, id: string): Promise<void> {
    const group = await this.directory.requireGroup(id);
    await this.dataSource.transaction(async (manager) => {
      await manager.delete(GroupMembership, { groupId: id });
      await manager.delete(PermissionGrant, { groupId: id });
      await manager.delete(Group, { id });
    });
    await this.audit.record(caller, 'group.delete', { type: 'group', id }, { name: group.name });
  }

  async addMember(caller: Caller, groupId: string, principalId: string): Promise<void> {
    const [group, principal] = await Promise.all([this.directory.requireGroup(groupId), this.directory.requirePrincipal(principalId)]);
    if (!(await this.principals.addMembership(groupId, principalId))) return;
    await this.audit.record(caller, 'group.add_member', { type: 'group', id: groupId }, { group: group.name, principal: principal.name });
  }

  async removeMember(caller: Caller, groupId: string, principalId: string): Promise<void> {
    const [group, principal] = await Promise.all([this.directory.requireGroup(groupId), this.directory.requirePrincipal(principalId)]);
    const removed = await this.dataSource.manager.delete(GroupMembership, { groupId, principalId });
    if (!removed.affected) throw new NotFoundError(`${principal.name} is not a member of ${group.name}`);
    await this.audit.record(
      caller,
      'group.remove_member',
      { type: 'group', id: groupId },
      { group: group.name, principal: principal.name },
    );
  }

  /**
   * Granting what is already granted returns the existing grant; with other terms (conditions,
   * quota, approval rule) the grant takes them, audited as `grant.update`. A holder holds a
   * permission at most twice, once to run at once and once through approval (SPEC 7.11): a grant
   * with `approval` never replaces one without, nor the reverse.
   */
  async createGrant(caller: Caller, input: CreateGrantDto): Promise<string> {
    // `null` passes @IsOptional as absent does, so it must count as absent here too.
    const principalId = input.principal_id ?? undefined;
    const groupId = input.group_id ?? undefined;
    if ((principalId === undefined) === (groupId === undefined)) {
      throw new InvalidInputError(['give exactly one of principal_id and group_id']);
    }
    checkPermissions([input.permission]);
    const terms: GrantTerms = { conditions: input.conditions ?? null, approval: input.approval ?? null, quota: input.quota ?? null };
    await this.principals.checkTerms(input.permission, terms);
    // The holder's name is read once: it proves the holder exists and goes into the audit row.
    const holder = principalId
      ? { column: { principalId }, named: { principal: (await this.directory.requirePrincipal(principalId)).name } }
      : { column: { groupId: groupId! }, named: { group: (await this.directory.requireGroup(groupId!)).name } };
    const manager = this.dataSource.manager;
    const key = { ...holder.column, permission: input.permission, outcome: outcomeOf(terms) };
    const existing = await manager.findOneBy(PermissionGrant, key);
    if (existing) {
      if (sameTerms(existing, terms)) return existing.id;
      await manager.update(PermissionGrant, { id: existing.id }, grantColumns(terms));
      await this.audit.record(
        caller,
        'grant.update',
        { type: 'grant', id: existing.id },
        {
          permission: input.permission,
          ...holder.named,
          ...terms,
          previous: { conditions: existing.conditions, approval: existing.approval, quota: existing.quota },
        },
      );
      return existing.id;
    }
    const id = randomUUID();
    try {
      await manager.insert(PermissionGrant, {
        id,
        permission: input.permission,
        principalId: null,
        groupId: null,
        ...grantColumns(terms),
        ...holder.column,
      });
    } catch (error) {
      // Granted by a concurrent request: answer with that grant, as for one granted earlier.
      if (!isUniqueViolation(error)) throw error;
      const winner = await manager.findOneBy(PermissionGrant, key);
      if (!winner) throw error;
      return winner.id;
    }
    const said = Object.fromEntries(Object.entries(terms).filter(([, value]) => value !== null));
    await this.audit.record(caller, 'grant.create', { type: 'grant', id }, { permission: input.permission, ...holder.named, ...said });
    return id;
  }

  async deleteGrant(caller: Caller, id: string): Promise<void> {
    const grant = await this.dataSource.manager.findOneBy(PermissionGrant, { id });
    if (!grant) throw new NotFoundError(`grant ${id} not found`);
    const holder = await this.holderNames(grant);
    await this.dataSource.manager.delete(PermissionGrant, { id });
    await this.audit.record(caller, 'grant.delete', { type: 'grant', id }, { permission: grant.permission, ...holder });
  }

  async createToken(caller: Caller, principalId: string, input: CreateTokenDto): Promise<CreatedToken> {
    const principal = await this.directory.requirePrincipal(principalId);
    const created = await this.tokens.create(principal.id, {
      name: input.name,
      scopes: input.scopes ?? null,
      expiresAt: input.expires_at ? new Date(input.expires_at) : null,
      quota: input.quota,
    });
    await this.audit.record(
      caller,
      'token.create',
      { type: 'token', id: created.token.id },
      {
        principal: principal.name,
        name: input.name,
        scopes: input.scopes ?? null,
        expires_at: input.expires_at ?? null,
        quota: created.token.quota,
      },
    );
    return created;
  }

  async revokeToken(caller: Caller, id: string): Promise<ApiToken> {
    const token = await this.tokens.revoke(id);
    await this.audit.record(caller, 'token.revoke', { type: 'token', id }, { name: token.name, principal_id: token.principalId });
    return token;
  }

  private async holderNames(holder: { principalId: string | null; groupId: string | null }): Promise<Record<string, string>> {
    if (holder.principalId) return { principal: (await this.directory.requirePrincipal(holder.principalId)).name };
    return { group: (await this.directory.requireGroup(holder.groupId!)).name };
  }
}
