import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../database/timestamp-column';

/** One thing someone did, or was refused. Plain values, no foreign keys: it outlives its subject. */
@Entity('audit_events')
@Index('idx_audit_events_occurred', ['occurredAt', 'id'])
@Index('idx_audit_events_actor_occurred', ['actorName', 'occurredAt', 'id'])
@Index('idx_audit_events_action_occurred', ['action', 'occurredAt', 'id'])
export class AuditEvent {
  @PrimaryColumn('uuid')
  id: string;

  @TimestampColumn('occurred_at')
  occurredAt: Date;

  @Column({ name: 'actor_id', type: 'uuid', nullable: true })
  actorId: string | null;

  @Column({ name: 'actor_name', type: 'varchar', length: 100 })
  actorName: string;

  @Column({ name: 'token_id', type: 'uuid', nullable: true })
  tokenId: string | null;

  @Column({ name: 'client_address', type: 'varchar', length: 64, nullable: true })
  clientAddress: string | null;

  @Column({ type: 'varchar', length: 64 })
  action: AuditAction;

  @Column({ name: 'target_type', type: 'varchar', length: 32, nullable: true })
  targetType: string | null;

  @Column({ name: 'target_id', type: 'varchar', length: 200, nullable: true })
  targetId: string | null;

  @Column({ type: 'simple-json', nullable: true })
  details: Record<string, unknown> | null;
}

export const AUDIT_ACTIONS = [
  'execution.execute',
  'execution.execute_denied',
  'execution.cancel',
  'execution.retry',
  'execution.delete',
  'execution.update',
  'execution.bulk_cancel',
  'execution.bulk_retry',
  'execution.approve',
  'execution.reject',
  'execution.approval_timeout',
  'token.create',
  'token.revoke',
  'principal.create',
  'principal.update',
  'group.create',
  'group.delete',
  'group.add_member',
  'group.remove_member',
  'grant.create',
  'grant.update',
  'grant.delete',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];
