import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsISO8601, IsObject, IsOptional, IsString, Length } from 'class-validator';
import { ApiToken } from '../../auth/api-token.entity';
import type { Quota } from '../../quotas/quota';
import { QUOTA_PROPERTY } from './admin-grant.dto';

/** A token as admins see it: never the secret, nor its hash. */
export class AdminTokenDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) principal_id: string;
  @ApiProperty() name: string;
  @ApiProperty({ description: 'the first characters of the secret, to recognise it', example: 'tgw_AbCd' }) prefix: string;
  @ApiProperty({ type: [String], nullable: true }) scopes: string[] | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expires_at: string | null;
  @ApiProperty({ ...QUOTA_PROPERTY, description: 'SPEC 7.13: limits on the executions made with this token, admins’ too (`null`: none)' })
  quota: Quota | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) last_used_at: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revoked_at: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class CreatedTokenDto {
  @ApiProperty() token: AdminTokenDto;
  @ApiProperty({ description: 'shown this once; only a hash is kept', example: 'tgw_…' }) secret: string;
}

export class CreateTokenDto {
  @ApiProperty({ example: 'ci' })
  @IsString()
  @Length(1, 100)
  name: string;

  @ApiPropertyOptional({ type: [String], description: 'permissions the token is limited to' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  scopes?: string[];

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'expires_at must be an ISO-8601 date-time' })
  expires_at?: string;

  /** Checked by the service (parseQuota): a 400 listing every problem. */
  @ApiPropertyOptional({ ...QUOTA_PROPERTY, description: 'SPEC 7.13: limits on the executions made with this token (admins’ too)' })
  @IsOptional()
  @IsObject({ message: 'quota must be a JSON object such as {"per_hour": 100, "concurrent": 5}' })
  quota?: Quota | null;
}

export function toAdminTokenDto(token: ApiToken): AdminTokenDto {
  return {
    id: token.id,
    principal_id: token.principalId,
    name: token.name,
    prefix: token.prefix,
    scopes: token.scopes,
    expires_at: token.expiresAt?.toISOString() ?? null,
    quota: token.quota ?? null,
    last_used_at: token.lastUsedAt?.toISOString() ?? null,
    revoked_at: token.revokedAt?.toISOString() ?? null,
    created_at: token.createdAt.toISOString(),
  };
}
