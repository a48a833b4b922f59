import type { AccessDecision, PermissionDecision } from '../permissions/access-decision';
import type { Caller } from '../permissions/caller';
import type { Quota } from './quota';
import { quotaExceededMessage, quotaSubjects, tokenQuotaSubject } from './quota-subjects';

function caller(quota: Quota | null = null): Caller {
  return {
    principal: { id: 'p-1', name: 'alice', kind: 'user', isAdmin: false },
    token: { id: 't-1', name: 'ci', scopes: null, expiresAt: null, quota },
    groups: [],
    permissions: [],
    conditions: {},
    grants: [],
    isAdmin: false,
  };
}

function entry(permission: string, grant_id: string | null, via: string | null, quota: Quota | null = null): PermissionDecision {
  return { permission, outcome: 'run', grant_id, via, conditions: null, reason: null, quota };
}

const decision = (...permissions: PermissionDecision[]): AccessDecision => ({ outcome: 'run', permissions });

describe('quotaSubjects', () => {
  it('is empty for a caller whose token and grants set no quota (the common case: no ledger at all)', () => {
    expect(quotaSubjects(caller(), decision(entry('demo.run', 'g-1', 'direct')))).toEqual([]);
    expect(quotaSubjects(caller(), decision(entry('demo.run', null, 'admin')))).toEqual([]);
  });

  it('names the token, then each grant with a quota that authorized the request, once', () => {
    const sut = quotaSubjects(
      caller({ per_hour: 10 }),
      decision(
        entry('demo.run', 'g-1', 'group:ops', { concurrent: 2 }),
        entry('demo.read', 'g-2', 'direct'),
        entry('demo.files', 'g-1', 'group:ops', { concurrent: 2 }),
      ),
    );
    expect(sut).toEqual([
      { kind: 'token', id: 't-1', quota: { per_hour: 10 }, label: 'token "ci"' },
      { kind: 'grant', id: 'g-1', quota: { concurrent: 2 }, label: 'grant g-1 of demo.run (group:ops)' },
    ]);
  });

  it('has no token subject without a token quota', () => {
    expect(tokenQuotaSubject(caller())).toBeNull();
    expect(tokenQuotaSubject(caller({ concurrent: 1 }))).toMatchObject({ kind: 'token', id: 't-1' });
  });
});

describe('quotaExceededMessage', () => {
  it('names the subject and the limit it would go over', () => {
    const token = tokenQuotaSubject(caller({ per_hour: 10, concurrent: 1 }))!;
    expect(quotaExceededMessage(token, 'per_hour')).toBe('quota exceeded: token "ci" allows 10 executions per hour');
    expect(quotaExceededMessage(token, 'concurrent')).toBe('quota exceeded: token "ci" allows 1 concurrent execution');
    const [grant] = quotaSubjects(caller(), decision(entry('demo.run', 'g-1', 'direct', { concurrent: 2 })));
    expect(quotaExceededMessage(grant, 'concurrent')).toBe('quota exceeded: grant g-1 of demo.run (direct) allows 2 concurrent executions');
  });
});
