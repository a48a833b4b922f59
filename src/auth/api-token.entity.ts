import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../database/timestamp-column';
import type { Quota } from '../quotas/quota';

@Entity('api_tokens')
@Index('idx_api_tokens_principal', ['principalId'])
export class ApiToken {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'principal_id', type: 'uuid' })
  principalId: string;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  /** SHA-256 of the secret, hex. The secret itself is never stored. */
  @Column({ name: 'token_hash', type: 'varchar', length: 64, unique: true })
  tokenHash: string;

  /** The first characters of the secret, enough to recognise a token in a list. */
  @Column({ type: 'varchar', length: 12 })
  prefix: string;

  /** Permissions this token is limited to; null means all of the principal's. */
  @Column({ type: 'simple-json', nullable: true })
  scopes: string[] | null;

  /** SPEC 7.13: limits on the executions made with this token. */
  @Column({ type: 'simple-json', nullable: true })
  quota: Quota | null;

  @TimestampColumn('expires_at')
  expiresAt: Date | null;

  @TimestampColumn('last_used_at')
  lastUsedAt: Date | null;

  @TimestampColumn('revoked_at')
  revokedAt: Date | null;

  @CreateDateColumn({ name: 'created_at' })
  createdAt: Date;
}
