import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Caller, CallerGrant } from '../permissions/caller';
import type { GrantConditions } from '../permissions/grant-conditions';
import { ApiToken } from './api-token.entity';
import { CallerCache } from './caller-cache';
import { GroupMembership } from './group-membership.entity';
import { Group } from './group.entity';
import { IdentityChanges } from './identity-changes';
import { PermissionGrant } from './permission-grant.entity';
import { LastUsedTracker } from './last-used-tracker';
import { Principal } from './principal.entity';
import { hashTokenSecret, looksLikeToken, secretMatchesHash } from './token-secret';

export type Authentication = { caller: Caller } | { failure: string };

/**
 * Resolves a presented secret into a `Caller`, or says why it cannot. Database errors propagate.
 * Successes are cached briefly (CallerCache) while the identity change feed is heard.
 */
@Injectable()
export class Authenticator implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly lastUsed: LastUsedTracker,
    private readonly cache: CallerCache,
    private readonly changes: IdentityChanges,
  ) {}

  onModuleInit(): void {
    this.changes.listen();
  }

  async authenticate(secret: string): Promise<Authentication> {
    if (!looksLikeToken(secret)) return { failure: 'invalid token' };
    const tokenHash = hashTokenSecret(secret);
    const cached = this.cache.get(tokenHash);
    if (cached) {
      this.lastUsed.touch(cached.token);
      return { caller: cached.caller };
    }
    const generation = this.cache.generation;
    const token = await this.dataSource.manager.findOneBy(ApiToken, { tokenHash });
    if (!token || !secretMatchesHash(secret, token.tokenHash)) return { failure: 'invalid token' };
    const result = await this.resolve(token);
    if ('failure' in result) return result;
    this.lastUsed.touch(token);
    if (this.changes.listening) this.cache.set(tokenHash, result.caller, token, generation);
    return result;
  }

  /**
   * The caller an open session (WebSocket, SSE) holds, resolved again from the database now: its
   * token may have been revoked or expired, its principal disabled, its grants changed.
   */
  async recheck(caller: Caller): Promise<Authentication> {
    const token = await this.dataSource.manager.findOneBy(ApiToken, { id: caller.token.id });
    if (!token) return { failure: 'token revoked' };
    const result = await this.resolve(token);
    return 'failure' in result ? result : { caller: { ...result.caller, address: caller.address } };
  }

  private async resolve(token: ApiToken): Promise<Authentication> {
    if (token.revokedAt) return { failure: 'token revoked' };
    if (token.expiresAt && token.expiresAt.getTime() <= Date.now()) return { failure: 'token expired' };
    const principal = await this.dataSource.manager.findOneBy(Principal, { id: token.principalId });
    if (!principal || principal.disabled) return { failure: 'principal disabled' };
    return { caller: await this.buildCaller(principal, token) };
  }

  async buildCaller(principal: Principal, token: ApiToken): Promise<Caller> {
    const [groups, grants] = await Promise.all([this.groupNames(principal.id), this.grants(principal.id)]);
    const scopes = token.scopes;
    const permissions = effectivePermissions([...new Set(grants.map((grant) => grant.permission))].sort(), scopes, principal.isAdmin);
    return {
      principal: { id: principal.id, name: principal.name, kind: principal.kind, isAdmin: principal.isAdmin },
      token: { id: token.id, name: token.name, scopes, expiresAt: token.expiresAt, quota: token.quota },
      groups,
      permissions,
      conditions: principal.isAdmin ? {} : conditionalPermissions(grants, permissions),
      grants: principal.isAdmin ? [] : grants,
      isAdmin: principal.isAdmin && !scopes,
    };
  }

  private async groupNames(principalId: string): Promise<string[]> {
    const rows: Array<{ name: string }> = await this.dataSource.manager
      .createQueryBuilder(Group, 'g')
      .innerJoin(GroupMembership, 'm', 'm.group_id = g.id')
      .where('m.principal_id = :principalId', { principalId })
      .select('g.name', 'name')
      .orderBy('g.name')
      .getRawMany();
    return rows.map((row) => row.name);
  }

  /** Direct and group grants, direct first, then by group name (the order `decideAccess` tries them). */
  private async grants(principalId: string): Promise<CallerGrant[]> {
    const rows = await this.dataSource.manager
      .createQueryBuilder(PermissionGrant, 'grant')
      .leftJoin(Group, 'g', 'g.id = grant.group_id')
      .select(['grant.id', 'grant.permission', 'grant.conditions', 'grant.approval', 'grant.quota', 'grant.principalId'])
      .addSelect('g.name', 'group_name')
      .where('grant.principal_id = :principalId', { principalId })
      .orWhere('grant.group_id IN (SELECT m.group_id FROM group_memberships m WHERE m.principal_id = :principalId)')
      .getRawAndEntities();
    const groupNames = new Map(rows.raw.map((row: { grant_id: string; group_name: string | null }) => [row.grant_id, row.group_name]));
    const grants = rows.entities.map((grant) => ({
      id: grant.id,
      permission: grant.permission,
      via: grant.principalId ? 'direct' : `group:${groupNames.get(grant.id) ?? '?'}`,
      conditions: grant.conditions,
      approval: grant.approval,
      quota: grant.quota,
    }));
    // Direct before group, and run-at-once before approval, in a stable order.
    const rank = (grant: CallerGrant) => `${grant.via === 'direct' ? 0 : 1}${grant.via}\u0000${grant.approval ? 1 : 0}${grant.id}`;
    return grants.sort((a, b) => (rank(a) < rank(b) ? -1 : rank(a) > rank(b) ? 1 : 0));
  }
}

/**
 * The held permissions every grant of which carries conditions, with those conditions: one
 * unconditional grant (direct or through a group) makes the permission unconditional. Admins are
 * not limited by grants, so their callers carry none.
 */
export function conditionalPermissions(
  grants: ReadonlyArray<Pick<CallerGrant, 'permission' | 'conditions'>>,
  held: readonly string[],
): Record<string, GrantConditions[]> {
  const conditional: Record<string, GrantConditions[]> = {};
  for (const permission of held) {
    const own = grants.filter((grant) => grant.permission === permission);
    if (own.length > 0 && own.every((grant) => grant.conditions !== null)) conditional[permission] = own.map((grant) => grant.conditions!);
  }
  return conditional;
}

/**
 * Scopes narrow, never widen. An admin is not limited by grants, so a scoped admin token holds
 * exactly its scopes (and loses admin power: see `Caller.isAdmin`).
 */
export function effectivePermissions(granted: string[], scopes: string[] | null, isAdmin: boolean): string[] {
  if (!scopes) return granted;
  if (isAdmin) return [...scopes].sort();
  return granted.filter((permission) => scopes.includes(permission));
}
