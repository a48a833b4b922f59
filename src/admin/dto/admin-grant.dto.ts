import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { lowerCaseId } from '../../common/parse-id.pipe';

export class AdminGrantDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() permission: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) principal_id: string | null;
  @ApiProperty({ type: String, nullable: true }) principal_name: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) group_id: string | null;
  @ApiProperty({ type: String, nullable: true }) group_name: string | null;
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
}

export class KnownPermissionDto {
  @ApiProperty() permission: string;
  @ApiProperty({ type: [String], description: 'registered tasks that declare it' }) tasks: string[];
  @ApiProperty({ type: [String], description: 'principals it is granted to directly' }) principals: string[];
  @ApiProperty({ type: [String] }) groups: string[];
}
