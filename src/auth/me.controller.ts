import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiProperty } from '@nestjs/swagger';
import { ApiAuthenticated } from '../common/api-docs';
import type { Caller } from '../permissions/caller';
import type { GrantApproval } from '../permissions/grant-approval';
import type { GrantConditions } from '../permissions/grant-conditions';
import type { Quota } from '../quotas/quota';
import { GrantApprovalDto } from '../permissions/grant-approval.dto';
import { QuotaDto } from '../quotas/quota.dto';
import { QuotaLeft, QuotaLedger } from '../quotas/quota-ledger';
import { tokenQuotaSubject } from '../quotas/quota-subjects';
import { CurrentCaller } from './current-caller.decorator';

class MeQuotaLeftDto {
  @ApiProperty({ type: Number, nullable: true, description: 'executions it may still start this sliding hour (null: no hourly limit)' })
  per_hour: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'executions it may still have unfinished at once (null: no such limit)' })
  concurrent: number | null;
}

class MePrincipalDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['user', 'service'] }) kind: string;
  @ApiProperty({ description: 'admin power of this token: false for scoped tokens' }) is_admin: boolean;
}

class MeTokenDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: [String], nullable: true }) scopes: string[] | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expires_at: string | null;
  @ApiProperty({ type: () => QuotaDto, nullable: true, description: 'SPEC 7.13: the token’s quota (`null`: none)' })
  quota: Quota | null;
  @ApiProperty({ type: () => MeQuotaLeftDto, nullable: true, description: 'what the token’s quota leaves now (`null`: no quota)' })
  quota_left: QuotaLeft | null;
}

class MeGrantDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() permission: string;
  @ApiProperty({ description: '`direct`, or `group:<name>` of a group the caller is a member of' }) via: string;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'SPEC 7.7; null: every request' })
  conditions: GrantConditions | null;
  @ApiProperty({ type: GrantApprovalDto, nullable: true, description: 'SPEC 7.11: requests it covers wait for approval' })
  approval: GrantApproval | null;
  @ApiProperty({ type: QuotaDto, nullable: true, description: 'SPEC 7.13' }) quota: Quota | null;
}

export class MeDto {
  @ApiProperty() principal: MePrincipalDto;
  @ApiProperty({ type: [String] }) groups: string[];
  @ApiProperty({ type: [String], description: 'effective: direct and group grants, narrowed by the token scopes' }) permissions: string[];
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'array', nullable: true, items: { type: 'object', additionalProperties: true } },
    description:
      'per permission: null when held unconditionally, else the conditions of its grants, one of which a request must meet (SPEC 7.7)',
    example: { 'demo.run': null, 'payments.refund': [{ 'kwargs.amount': { $lte: 100 } }] },
  })
  conditions: Record<string, GrantConditions[] | null>;
  @ApiProperty({
    type: [MeGrantDto],
    description: 'every grant the caller holds, direct first, then through groups (before the token’s scopes narrow them); [] for admins',
  })
  grants: MeGrantDto[];
  @ApiProperty() token: MeTokenDto;
}

@ApiAuthenticated('me')
@Controller('me')
export class MeController {
  constructor(private readonly quotas: QuotaLedger) {}

  @Get()
  @ApiOkResponse({ type: MeDto, description: 'the caller (never the token secret)' })
  async me(@CurrentCaller() caller: Caller): Promise<MeDto> {
    // Only a token with a quota reads the ledger.
    const subject = tokenQuotaSubject(caller);
    const left = subject ? await this.quotas.left(subject) : null;
    return toMeDto(caller, left);
  }
}

function toMeDto(caller: Caller, quotaLeft: QuotaLeft | null): MeDto {
  const { principal, token } = caller;
  return {
    principal: { id: principal.id, name: principal.name, kind: principal.kind, is_admin: caller.isAdmin },
    groups: caller.groups,
    permissions: caller.permissions,
    conditions: Object.fromEntries(caller.permissions.map((permission) => [permission, caller.conditions[permission] ?? null])),
    grants: caller.grants,
    token: {
      id: token.id,
      name: token.name,
      scopes: token.scopes,
      expires_at: token.expiresAt?.toISOString() ?? null,
      quota: token.quota,
      quota_left: quotaLeft,
    },
  };
}
