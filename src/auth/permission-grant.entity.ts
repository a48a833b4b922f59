import type { GrantApproval } from '../permissions/grant-approval';
import type { GrantConditions } from '../permissions/grant-conditions';
import type { Quota } from '../quotas/quota';
import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** A permission given to exactly one principal or one group. */
@Entity('permission_grants')
/** A holder may hold a permission twice: once to run at once, once through approval (SPEC 7.11). */
@Index('uq_permission_grants_principal', ['principalId', 'permission', 'outcome'], { unique: true })
@Index('uq_permission_grants_group', ['groupId', 'permission', 'outcome'], { unique: true })
export class PermissionGrant {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 100 })
  permission: string;

  @Column({ name: 'principal_id', type: 'uuid', nullable: true })
  principalId: string | null;

  @Column({ name: 'group_id', type: 'uuid', nullable: true })
  groupId: string | null;

  /** SPEC 7.7: the requests this grant covers (`null`: all of them). Checked when granted. */
  @Column({ type: 'simple-json', nullable: true })
  conditions: GrantConditions | null;

  /** SPEC 7.11: matching requests wait for approval (`null`: they run at once). */
  @Column({ type: 'simple-json', nullable: true })
  approval: GrantApproval | null;

  /** `approval` present or not, as a key of the uniqueness above. */
  @Column({ type: 'varchar', length: 16, default: 'run' })
  outcome: GrantOutcome;

  /** SPEC 7.13: limits on the executions this grant authorizes. */
  @Column({ type: 'simple-json', nullable: true })
  quota: Quota | null;

  @CreateDateColumn({ name: 'created_at' })
  createdAt: Date;
}

export type GrantOutcome = 'run' | 'approval';
