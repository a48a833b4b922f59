import type { GrantConditions } from '../permissions/grant-conditions';
import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** A permission given to exactly one principal or one group. */
@Entity('permission_grants')
@Index('uq_permission_grants_principal', ['principalId', 'permission'], { unique: true })
@Index('uq_permission_grants_group', ['groupId', 'permission'], { unique: true })
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

  @CreateDateColumn({ name: 'created_at' })
  createdAt: Date;
}
