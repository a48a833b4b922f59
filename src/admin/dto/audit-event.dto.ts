import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, Length } from 'class-validator';
import { KeysetPageQuery } from '../../common/keyset-page.query';
import { AUDIT_ACTIONS, type AuditAction, AuditEvent } from '../../audit/audit-event.entity';

export class AuditEventDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'date-time' }) occurred_at: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) actor_id: string | null;
  @ApiProperty() actor_name: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) token_id: string | null;
  @ApiProperty({ type: String, nullable: true }) client_address: string | null;
  @ApiProperty({ enum: AUDIT_ACTIONS }) action: AuditAction;
  @ApiProperty({ type: String, nullable: true }) target_type: string | null;
  @ApiProperty({ type: String, nullable: true }) target_id: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) details: Record<string, unknown> | null;
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditEventDto] }) items: AuditEventDto[];
  @ApiProperty({ type: String, nullable: true }) next_cursor: string | null;
}

export class AuditQueryDto extends KeysetPageQuery {
  @ApiPropertyOptional({ description: 'principal name' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  actor?: string;

  @ApiPropertyOptional({ enum: AUDIT_ACTIONS })
  @IsOptional()
  @IsIn(AUDIT_ACTIONS, { message: `action must be one of ${AUDIT_ACTIONS.join(', ')}` })
  action?: AuditAction;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'after must be an ISO-8601 date-time' })
  after?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'before must be an ISO-8601 date-time' })
  before?: string;
}

export function toAuditEventDto(event: AuditEvent): AuditEventDto {
  return {
    id: event.id,
    occurred_at: event.occurredAt.toISOString(),
    actor_id: event.actorId,
    actor_name: event.actorName,
    token_id: event.tokenId,
    client_address: event.clientAddress,
    action: event.action,
    target_type: event.targetType,
    target_id: event.targetId,
    details: event.details,
  };
}
