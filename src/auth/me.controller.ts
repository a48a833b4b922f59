import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiProperty } from '@nestjs/swagger';
import { ApiAuthenticated } from '../common/api-docs';
import type { Caller } from '../permissions/caller';
import type { GrantConditions } from '../permissions/grant-conditions';
import { CurrentCaller } from './current-caller.decorator';

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
  @ApiProperty() token: MeTokenDto;
}

@ApiAuthenticated('me')
@Controller('me')
export class MeController {
  @Get()
  @ApiOkResponse({ type: MeDto, description: 'the caller (never the token secret)' })
  me(@CurrentCaller() caller: Caller): MeDto {
    return toMeDto(caller);
  }
}

function toMeDto(caller: Caller): MeDto {
  const { principal, token } = caller;
  return {
    principal: { id: principal.id, name: principal.name, kind: principal.kind, is_admin: caller.isAdmin },
    groups: caller.groups,
    permissions: caller.permissions,
    conditions: Object.fromEntries(caller.permissions.map((permission) => [permission, caller.conditions[permission] ?? null])),
    token: { id: token.id, name: token.name, scopes: token.scopes, expires_at: token.expiresAt?.toISOString() ?? null },
  };
}
