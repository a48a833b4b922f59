import type { Quota } from '../quotas/quota';
import type { GrantApproval } from './grant-approval';
import type { GrantConditions } from './grant-conditions';
import { PrincipalKind } from '../auth/principal.entity';

/** Who is calling, as the authentication layer resolved it for this request. */
export interface Caller {
  principal: { id: string; name: string; kind: PrincipalKind; isAdmin: boolean };
  token: { id: string; name: string; scopes: string[] | null; expiresAt: Date | null; quota: Quota | null };
  groups: string[];
  /** The principal's permissions (direct and through groups) narrowed by the token's scopes. */
  permissions: string[];
  /**
   * The permissions among `permissions` held only under conditions (SPEC 7.7): each grant's
   * conditions, any one of which a request must meet to use it. Absent: held unconditionally.
   * They govern running tasks only; reading and managing executions ignore them.
   */
  conditions: Record<string, GrantConditions[]>;
  /**
   * Every grant the principal holds (direct, then through groups by name), unnarrowed by the
   * token's scopes: what `decideAccess` reads (SPEC 7.11-7.13). Empty for admins, who need none.
   */
  grants: CallerGrant[];
  /** Admin power needs an admin principal and an unscoped token: scopes narrow admins too. */
  isAdmin: boolean;
  /** Where the request came from, for the audit log; absent outside HTTP and WebSocket. */
  address?: string;
}

/** One grant as a caller holds it. */
export interface CallerGrant {
  id: string;
  permission: string;
  /** `direct` or `group:<name>`. */
  via: string;
  conditions: GrantConditions | null;
  approval: GrantApproval | null;
  quota: Quota | null;
}
