import type { AccessDecision } from '../permissions/access-decision';
import type { Caller } from '../permissions/caller';
import type { Quota } from './quota';

/** Something a quota is set on (SPEC 7.13): the token a request is made with, or a grant that authorized it. */
export interface QuotaSubject {
  kind: 'token' | 'grant';
  id: string;
  quota: Quota;
  /** How a 429 names it: `token "ci"`, `grant <id> of demo.run (group:ops)`. */
  label: string;
}

/**
 * The quotas one execution counts against: its token's, and those of the grants named in its
 * access decision. Empty for nearly every caller, who then costs the ledger nothing.
 */
export function quotaSubjects(caller: Caller, decision: AccessDecision): QuotaSubject[] {
  const subjects: QuotaSubject[] = [];
  const token = tokenQuotaSubject(caller);
  if (token) subjects.push(token);
  const seen = new Set<string>();
  for (const entry of decision.permissions) {
    if (!entry.grant_id || !entry.quota || seen.has(entry.grant_id)) continue;
    seen.add(entry.grant_id);
    subjects.push({
      kind: 'grant',
      id: entry.grant_id,
      quota: entry.quota,
      label: `grant ${entry.grant_id} of ${entry.permission} (${entry.via ?? 'direct'})`,
    });
  }
  return subjects;
}

/** The quota of the token a request is made with; null when it has none. */
export function tokenQuotaSubject({ token }: Pick<Caller, 'token'>): QuotaSubject | null {
  return token.quota ? { kind: 'token', id: token.id, quota: token.quota, label: `token "${token.name}"` } : null;
}

/** Which of a subject's limits a request would go over. */
export type QuotaLimit = 'per_hour' | 'concurrent';

/** The 429's message: `quota exceeded: token "ci" allows 10 executions per hour`. */
export function quotaExceededMessage(subject: QuotaSubject, limit: QuotaLimit): string {
  const allowed = subject.quota[limit]!;
  const executions = allowed === 1 ? 'execution' : 'executions';
  const what = limit === 'per_hour' ? `${allowed} ${executions} per hour` : `${allowed} concurrent ${executions}`;
  return `quota exceeded: ${subject.label} allows ${what}`;
}
