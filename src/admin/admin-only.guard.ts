import { applyDecorators, CanActivate, ExecutionContext, ForbiddenException, Injectable, UseGuards } from '@nestjs/common';
import { ApiAuthenticated, ApiErrors } from '../common/api-docs';
import type { Caller } from '../permissions/caller';

/** Runs after the global token guard, so a missing token is still a 401 and a non-admin a 403. */
@Injectable()
export class AdminOnlyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const caller = context.switchToHttp().getRequest<{ user?: Caller }>().user;
    if (!caller?.isAdmin) throw new ForbiddenException('admins only (a scoped token never has admin power)');
    return true;
  }
}

/** An admin-only controller, documented as such. */
export function AdminApi() {
  return applyDecorators(ApiAuthenticated('admin'), ApiErrors(403), UseGuards(AdminOnlyGuard));
}
