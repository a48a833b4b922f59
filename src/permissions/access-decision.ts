import { TaskDefinition } from '../task-registry/task-definition';
import type { Quota } from '../quotas/quota';
import type { Caller, CallerGrant } from './caller';
import type { GrantApproval } from './grant-approval';
import { ConditionSubject, conditionsMatch, failingFields, GrantConditions } from './grant-conditions';

/** What a request for a task gets: run at once, wait for approval, or nothing (SPEC 7.11, 7.12). */
export type AccessOutcome = 'run' | 'approval' | 'denied';

/** Why a permission was refused, in SPEC 7.12's words. */
export type DenialKind = 'missing' | 'scope' | 'condition';

/** One permission of the task, and the grant that answers for it (or why none does). */
export interface PermissionDecision {
  permission: string;
  outcome: AccessOutcome;
  grant_id: string | null;
  /** `direct`, `group:<name>`, `admin`; null when refused. */
  via: string | null;
  /** The matching grant's conditions (null when it has none, or when refused). */
  conditions: GrantConditions | null;
  /** Why it was refused or must wait, in words; null when it runs. */
  reason: string | null;
  /** When refused: how (internal, for messages and audit). */
  denial?: { kind: DenialKind; fields?: string[]; grants?: CallerGrant[] };
  /** The grant's approval rule when it must wait; its quota, to count against. */
  approval?: GrantApproval;
  quota?: Quota | null;
}

export interface AccessDecision {
  outcome: AccessOutcome;
  permissions: PermissionDecision[];
}

/** How an execution was authorized (SPEC 7.12), kept on its record. */
export interface Authorization {
  permission: string;
  grant_id: string | null;
  via: string | null;
}

/** A vote as the record lists it (SPEC 7.11): `approvals: [{principal_id, name, decision, comment, at}]`. */
export interface ApprovalVote {
  principal_id: string;
  name: string;
  decision: 'approve' | 'reject';
  comment: string | null;
  at: string;
}

/** One approval an execution waits for: `quorum` members of `group`, for `permission`'s grant. */
export interface ApprovalRequirement {
  permission: string;
  grant_id: string;
  group: string;
  quorum: number;
}

/**
 * The one decision of who may run what (SPEC 7.11, 7.12): execute, retry, batch items, uploads and
 * bulk retry act on it, and `POST /tasks/explain` shows it. For each permission the task needs, a
 * matching grant without approval runs at once; failing that, a matching grant with approval waits;
 * failing that, refused. Admins (unscoped) need no grant; a token's scopes narrow everyone, admins
 * too. Grants are tried direct first, then by group name, so the same request always names the
 * same grant.
 */
export function decideAccess(caller: Caller, task: TaskDefinition, subject: ConditionSubject): AccessDecision {
  const permissions = task.isPublic ? [] : task.permissions.map((permission) => decidePermission(caller, permission, subject));
  return { outcome: overall(permissions), permissions };
}

function decidePermission(caller: Caller, permission: string, subject: ConditionSubject): PermissionDecision {
  const scopes = caller.token.scopes;
  if (scopes && !scopes.includes(permission)) {
    return refused(permission, 'scope', `your token's scopes do not include ${permission}`);
  }
  if (caller.principal.isAdmin) {
    return { permission, outcome: 'run', grant_id: null, via: 'admin', conditions: null, reason: null, quota: null };
  }
  const grants = caller.grants.filter((grant) => grant.permission === permission);
  if (grants.length === 0) return refused(permission, 'missing', `you hold no grant of ${permission}`);
  const matches = (grant: CallerGrant) => grant.conditions === null || conditionsMatch(grant.conditions, subject);
  const runs = grants.find((grant) => grant.approval === null && matches(grant));
  if (runs) return granted(runs, 'run', null);
  const waits = grants.find((grant) => grant.approval !== null && matches(grant));
  if (waits) {
    const { group, quorum } = waits.approval!;
    return {
      ...granted(waits, 'approval', `needs ${quorum} approval${quorum === 1 ? '' : 's'} from group ${group}`),
      approval: waits.approval!,
    };
  }
  const fields = [...new Set(grants.flatMap((grant) => failingFields(grant.conditions!, subject)))];
  return {
    ...refused(permission, 'condition', `the conditions of your grant${grants.length === 1 ? '' : 's'} do not match: ${fields.join(', ')}`),
    denial: { kind: 'condition', fields, grants },
  };
}

function granted(grant: CallerGrant, outcome: AccessOutcome, reason: string | null): PermissionDecision {
  return {
    permission: grant.permission,
    outcome,
    grant_id: grant.id,
    via: grant.via,
    conditions: grant.conditions,
    reason,
    quota: grant.quota,
  };
}

function refused(permission: string, kind: DenialKind, reason: string): PermissionDecision {
  return { permission, outcome: 'denied', grant_id: null, via: null, conditions: null, reason, denial: { kind } };
}

function overall(permissions: PermissionDecision[]): AccessOutcome {
  if (permissions.some((entry) => entry.outcome === 'denied')) return 'denied';
  return permissions.some((entry) => entry.outcome === 'approval') ? 'approval' : 'run';
}

/** What the record keeps of an allowed decision. */
export function authorizationsOf(decision: AccessDecision): Authorization[] {
  return decision.permissions.map(({ permission, grant_id, via }) => ({ permission, grant_id, via }));
}

/** The approvals an execution must gather before it runs. */
export function approvalRequirements(decision: AccessDecision): ApprovalRequirement[] {
  return decision.permissions
    .filter((entry) => entry.outcome === 'approval')
    .map((entry) => ({
      permission: entry.permission,
      grant_id: entry.grant_id!,
      group: entry.approval!.group,
      quorum: entry.approval!.quorum,
    }));
}
