import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsObject, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import type { GrantApproval } from '../../permissions/grant-approval';
import type { GrantConditions } from '../../permissions/grant-conditions';
import type { Quota } from '../../quotas/quota';
import { GrantApprovalDto } from '../../permissions/grant-approval.dto';
import { QuotaDto } from '../../quotas/quota.dto';
import { lowerCaseId } from '../../common/parse-id.pipe';

const CONDITIONS_PROPERTY = {
  type: 'object',
  additionalProperties: true,
  nullable: true,
  description:
    'SPEC 7.7: the requests the grant covers, over `kwargs.<field>` and `resource` with $eq $ne $lt $lte $gt $gte $in $nin; ' +
    '`null`: unconditional',
  example: { 'kwargs.amount': { $lte: 100 } },
} as const;

const APPROVAL_PROPERTY = {
  type: () => GrantApprovalDto,
  nullable: true,
  description:
    'SPEC 7.11: matching requests wait for approval instead of running at once (`null`: they run at once). A holder holds a ' +
    'permission at most twice: once without approval and once with',
};

export const QUOTA_PROPERTY = {
  type: () => QuotaDto,
  nullable: true,
  description: 'SPEC 7.13: over it, execute answers 429 naming the quota (`null`: no quota)',
};

export class AdminGrantDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() permission: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) principal_id: string | null;
  @ApiProperty({ type: String, nullable: true }) principal_name: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) group_id: string | null;
  @ApiProperty({ type: String, nullable: true }) group_name: string | null;
  @ApiProperty(CONDITIONS_PROPERTY) conditions: GrantConditions | null;
  @ApiProperty(APPROVAL_PROPERTY) approval: GrantApproval | null;
  @ApiProperty(QUOTA_PROPERTY) quota: Quota | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

/** A principal or a group, by id. */
export class GrantsQuery {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @Transform(lowerCaseId)
  @IsUUID('all', { message: 'principal_id must be a UUID' })
  principal_id?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @Transform(lowerCaseId)
  @IsUUID('all', { message: 'group_id must be a UUID' })
  group_id?: string;
}

/** Exactly one of `principal_id` and `group_id`. */
export class CreateGrantDto extends GrantsQuery {
  @ApiProperty({ example: 'reports.generate' })
  @IsString()
  @Length(1, 100)
  permission: string;

  /** Granting again with other conditions (or none) replaces them. */
  @ApiPropertyOptional({ ...CONDITIONS_PROPERTY, description: `${CONDITIONS_PROPERTY.description}; granting again replaces them` })
  @IsOptional()
  @IsObject({ message: 'conditions must be a JSON object such as {"kwargs.amount": {"$lte": 100}}' })
  conditions?: GrantConditions | null;

  /** Checked by the service, which knows the groups: a 400 listing what is wrong. */
  @ApiPropertyOptional({ ...APPROVAL_PROPERTY, description: `${APPROVAL_PROPERTY.description}; granting again replaces it` })
  @IsOptional()
  @IsObject({ message: 'approval must be a JSON object such as {"group": "approvers", "quorum": 2}' })
  approval?: GrantApproval | null;

  @ApiPropertyOptional({ ...QUOTA_PROPERTY, description: `${QUOTA_PROPERTY.description}; granting again replaces it` })
  @IsOptional()
  @IsObject({ message: 'quota must be a JSON object such as {"per_hour": 100, "concurrent": 5}' })
  quota?: Quota | null;
}

export class KnownPermissionDto {
  @ApiProperty() permission: string;
  @ApiProperty({ type: [String], description: 'registered tasks that declare it' }) tasks: string[];
  @ApiProperty({ type: [String], description: 'principals it is granted to directly' }) principals: string[];
  @ApiProperty({ type: [String] }) groups: string[];
}
