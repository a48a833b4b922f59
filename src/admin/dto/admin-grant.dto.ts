import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsObject, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import type { GrantConditions } from '../../permissions/grant-conditions';
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

export class AdminGrantDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() permission: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) principal_id: string | null;
  @ApiProperty({ type: String, nullable: true }) principal_name: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) group_id: string | null;
  @ApiProperty({ type: String, nullable: true }) group_name: string | null;
  @ApiProperty(CONDITIONS_PROPERTY) conditions: GrantConditions | null;
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
}

export class KnownPermissionDto {
  @ApiProperty() permission: string;
  @ApiProperty({ type: [String], description: 'registered tasks that declare it' }) tasks: string[];
  @ApiProperty({ type: [String], description: 'principals it is granted to directly' }) principals: string[];
  @ApiProperty({ type: [String] }) groups: string[];
}
