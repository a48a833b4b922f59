import { CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity('group_memberships')
@Index('idx_group_memberships_principal', ['principalId'])
export class GroupMembership {
  @PrimaryColumn({ name: 'group_id', type: 'uuid' })
  groupId: string;

  @PrimaryColumn({ name: 'principal_id', type: 'uuid' })
  principalId: string;

  @CreateDateColumn({ name: 'created_at' })
  createdAt: Date;
}
