import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { ApiToken } from '../auth/api-token.entity';
import { GroupMembership } from '../auth/group-membership.entity';
import { Group } from '../auth/group.entity';
import { PermissionGrant } from '../auth/permission-grant.entity';
import type { GrantApproval } from '../permissions/grant-approval';
import type { GrantConditions } from '../permissions/grant-conditions';
import type { Quota } from '../quotas/quota';
import { Principal } from '../auth/principal.entity';
import { NotFoundError } from '../common/domain-errors';
import { TaskRegistry } from '../task-registry/task-registry';
import { AdminGrantDto, KnownPermissionDto } from './dto/admin-grant.dto';
import { AdminGroupDto } from './dto/admin-group.dto';
import { AdminPrincipalDto, NamedRefDto, toAdminPrincipalDto } from './dto/admin-principal.dto';

/** Read side of the admin API: who exists, who belongs where, who holds what. */
@Injectable()
export class AdminDirectory {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: TaskRegistry,
  ) {}

  async principals(): Promise<AdminPrincipalDto[]> {
    return this.describe(await this.dataSource.manager.find(Principal, { order: { name: 'ASC' } }));
  }

  async principal(id: string): Promise<AdminPrincipalDto> {
    const [described] = await this.describe([await this.requirePrincipal(id)]);
    return described;
  }

  /** Principals with their groups and direct grants, in three queries whatever their number. */
  private async describe(principals: Principal[]): Promise<AdminPrincipalDto[]> {
    const manager = this.dataSource.manager;
    const principalId = In(principals.map((principal) => principal.id));
    const [groups, memberships, grants] = await Promise.all([
      manager.find(Group),
      manager.findBy(GroupMembership, { principalId }),
      manager.find(PermissionGrant, { where: { principalId }, order: { permission: 'ASC' } }),
    ]);
    const groupById = new Map(groups.map((group) => [group.id, group]));
    return principals.map((principal) =>
      toAdminPrincipalDto(
        principal,
        memberships
          .filter((m) => m.principalId === principal.id)
          .map((m) => ref(groupById.get(m.groupId)!))
          .sort(byName),
        grants.filter((g) => g.principalId === principal.id).map((g) => g.permission),
      ),
    );
  }

  async groups(): Promise<AdminGroupDto[]> {
    const manager = this.dataSource.manager;
    const [groups, principals, memberships, grants] = await Promise.all([
      manager.find(Group, { order: { name: 'ASC' } }),
      manager.find(Principal),
      manager.find(GroupMembership),
      manager.find(PermissionGrant, { order: { permission: 'ASC' } }),
    ]);
    const principalById = new Map(principals.map((principal) => [principal.id, principal]));
    return groups.map((group) => ({
      id: group.id,
      name: group.name,
      created_at: group.createdAt.toISOString(),
      members: memberships
        .filter((m) => m.groupId === group.id)
        .map((m) => ref(principalById.get(m.principalId)!))
        .sort(byName),
      permissions: grants.filter((g) => g.groupId === group.id).map((g) => g.permission),
    }));
  }

  async grants(filter: { id?: string; principalId?: string; groupId?: string } = {}): Promise<AdminGrantDto[]> {
    const qb = this.dataSource.manager
      .createQueryBuilder(PermissionGrant, 'g')
      .leftJoin(Principal, 'p', 'p.id = g.principal_id')
      .leftJoin(Group, 'gr', 'gr.id = g.group_id')
      .select(['g.id AS id', 'g.permission AS permission', 'g.principal_id AS principal_id', 'p.name AS principal_name'])
      .addSelect(['g.group_id AS group_id', 'gr.name AS group_name', 'g.conditions AS conditions', 'g.created_at AS created_at'])
      .addSelect(['g.approval AS approval', 'g.quota AS quota'])
      .orderBy('g.permission')
      .addOrderBy('g.id');
    if (filter.id) qb.andWhere('g.id = :id', { id: filter.id });
    if (filter.principalId) qb.andWhere('g.principal_id = :principalId', { principalId: filter.principalId });
    if (filter.groupId) qb.andWhere('g.group_id = :groupId', { groupId: filter.groupId });
    type JsonColumns = 'conditions' | 'approval' | 'quota';
    const rows: Array<
      Omit<AdminGrantDto, 'created_at' | JsonColumns> & { created_at: Date | string } & Record<JsonColumns, string | null>
    > = await qb.getRawMany();
    // Raw rows hold the columns' JSON text, as the entity's simple-json columns store it.
    const parsed = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));
    return rows.map((row) => ({
      ...row,
      conditions: parsed<GrantConditions>(row.conditions),
      approval: parsed<GrantApproval>(row.approval),
      quota: parsed<Quota>(row.quota),
      created_at: toIso(row.created_at),
    }));
  }

  /** Every permission some task declares, plus every one granted to someone. */
  async knownPermissions(): Promise<KnownPermissionDto[]> {
    const known = new Map<string, KnownPermissionDto>();
    const entry = (permission: string) => {
      let item = known.get(permission);
      if (!item) known.set(permission, (item = { permission, tasks: [], principals: [], groups: [] }));
      return item;
    };
    for (const task of this.registry.all()) for (const permission of task.permissions) entry(permission).tasks.push(task.name);
    for (const grant of await this.grants()) {
      if (grant.principal_name) entry(grant.permission).principals.push(grant.principal_name);
      if (grant.group_name) entry(grant.permission).groups.push(grant.group_name);
    }
    return [...known.values()].sort((a, b) => a.permission.localeCompare(b.permission));
  }

  async tokensOf(principalId: string): Promise<ApiToken[]> {
    await this.requirePrincipal(principalId);
    return this.dataSource.manager.find(ApiToken, { where: { principalId }, order: { createdAt: 'DESC', id: 'ASC' } });
  }

  async requirePrincipal(id: string): Promise<Principal> {
    const principal = await this.dataSource.manager.findOneBy(Principal, { id });
    if (!principal) throw new NotFoundError(`principal ${id} not found`);
    return principal;
  }

  async requireGroup(id: string): Promise<Group> {
    const group = await this.dataSource.manager.findOneBy(Group, { id });
    if (!group) throw new NotFoundError(`group ${id} not found`);
    return group;
  }
}

function ref(item: { id: string; name: string }): NamedRefDto {
  return { id: item.id, name: item.name };
}

function byName(a: NamedRefDto, b: NamedRefDto): number {
  return a.name.localeCompare(b.name);
}

/** Raw rows give SQLite's UTC text or PostgreSQL's Date. */
function toIso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(`${value.replace(' ', 'T')}Z`)).toISOString();
}
