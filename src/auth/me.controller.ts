import { Controller, Get } from '@nestjs/common';
import type { Caller } from '../permissions/caller';
import { CurrentCaller } from './current-caller.decorator';

export interface MeDto {
  principal: { id: string; name: string; kind: string; is_admin: boolean };
  groups: string[];
  permissions: string[];
  token: { id: string; name: string; scopes: string[] | null; expires_at: string | null };
}

@Controller('me')
export class MeController {
  @Get()
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
    token: { id: token.id, name: token.name, scopes: token.scopes, expires_at: token.expiresAt?.toISOString() ?? null },
  };
}
