import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, Length } from 'class-validator';
import { Principal, type PrincipalKind } from '../../auth/principal.entity';

export class NamedRefDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
}

export class AdminPrincipalDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['user', 'service'] }) kind: PrincipalKind;
  @ApiProperty() is_admin: boolean;
  @ApiProperty() disabled: boolean;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ type: [NamedRefDto] }) groups: NamedRefDto[];
  @ApiProperty({ type: [String], description: 'granted directly (not through groups)' }) permissions: string[];
}

/** Defaults in descriptions, not `default`: see ExecuteTaskDto. */
export class CreatePrincipalDto {
  @ApiProperty({ example: 'reporting-service' })
  @IsString()
  @Length(1, 100)
  name: string;

  @ApiPropertyOptional({ enum: ['user', 'service'], description: 'user when left out' })
  @IsOptional()
  @IsIn(['user', 'service'], { message: 'kind must be user or service' })
  kind?: PrincipalKind;

  @ApiPropertyOptional({ description: 'false when left out' })
  @IsOptional()
  @IsBoolean()
  is_admin?: boolean;
}

export class UpdatePrincipalDto {
  @ApiPropertyOptional({ description: 'a disabled principal’s tokens are refused (401)' })
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  is_admin?: boolean;
}

export function toAdminPrincipalDto(principal: Principal, groups: NamedRefDto[], permissions: string[]): AdminPrincipalDto {
  return {
    id: principal.id,
    name: principal.name,
    kind: principal.kind,
    is_admin: principal.isAdmin,
    disabled: principal.disabled,
    created_at: principal.createdAt.toISOString(),
    groups,
    permissions,
  };
}
