import { IsNumber } from 'class-validator';
import { toTaskDefinition } from '../task-registry/task-definition-factory';
import { TaskDefinition } from '../task-registry/task-definition';
import { decideAccess } from './access-decision';
import { Caller, CallerGrant } from './caller';

class RefundKwargs {
  @IsNumber() amount: number;
}

function task(name: string, permissions: string[]): TaskDefinition {
  return toTaskDefinition(
    'Fixture',
    name.replace('.', '_'),
    { permissions, description: 'x', options: { name, kwargs: RefundKwargs } },
    () => 1,
  );
}

const refund = task('payments.refund', ['payments.refund', 'payments.read']);
const APPROVERS = { group: 'approvers', quorum: 2, timeout: '1h' };

function grant(id: string, permission: string, extra: Partial<CallerGrant> = {}): CallerGrant {
  return { id, permission, via: 'direct', conditions: null, approval: null, quota: null, ...extra };
}

function caller(grants: CallerGrant[], options: { scopes?: string[]; admin?: boolean } = {}): Caller {
  const scopes = options.scopes ?? null;
  return {
    principal: { id: 'p-1', name: 'alice', kind: 'user', isAdmin: options.admin ?? false },
    token: { id: 't-1', name: 'test', scopes, expiresAt: null, quota: null },
    groups: [],
    permissions: [...new Set(grants.map((held) => held.permission))],
    conditions: {},
    grants,
    isAdmin: (options.admin ?? false) && !scopes,
  };
}

const small = { kwargs: { amount: 5 }, resource: null };
const big = { kwargs: { amount: 5000 }, resource: null };

describe(decideAccess.name, () => {
  it('runs when every permission has a matching grant without approval, naming each grant', () => {
    const decision = decideAccess(
      caller([grant('g1', 'payments.refund'), grant('g2', 'payments.read', { via: 'group:finance' })]),
      refund,
      small,
    );
    expect(decision.outcome).toBe('run');
    expect(decision.permissions.map(({ permission, grant_id, via, outcome }) => ({ permission, grant_id, via, outcome }))).toEqual([
      { permission: 'payments.refund', grant_id: 'g1', via: 'direct', outcome: 'run' },
      { permission: 'payments.read', grant_id: 'g2', via: 'group:finance', outcome: 'run' },
    ]);
  });

  it('prefers a grant without approval, then one with approval, then refuses naming the failed fields', () => {
    const grants = [
      grant('g1', 'payments.refund', { conditions: { 'kwargs.amount': { $lte: 100 } } }),
      grant('g2', 'payments.refund', { conditions: { 'kwargs.amount': { $lte: 10_000 } }, approval: APPROVERS }),
      grant('g3', 'payments.read'),
    ];
    expect(decideAccess(caller(grants), refund, small).permissions[0]).toMatchObject({ outcome: 'run', grant_id: 'g1' });
    const waits = decideAccess(caller(grants), refund, big);
    expect(waits.outcome).toBe('approval');
    expect(waits.permissions[0]).toMatchObject({ outcome: 'approval', grant_id: 'g2', approval: APPROVERS });
    expect(waits.permissions[0].reason).toContain('2 approvals from group approvers');
    const refused = decideAccess(caller(grants), refund, { kwargs: { amount: 50_000 }, resource: null });
    expect(refused.outcome).toBe('denied');
    expect(refused.permissions[0]).toMatchObject({ outcome: 'denied', grant_id: null, via: null });
    expect(refused.permissions[0].reason).toContain('kwargs.amount');
    expect(refused.permissions[0].reason).not.toContain('10000');
  });

  it('refuses a permission without a grant, or outside the token scopes, and denies the whole request', () => {
    const missing = decideAccess(caller([grant('g1', 'payments.refund')]), refund, small);
    expect(missing.outcome).toBe('denied');
    expect(missing.permissions[1]).toMatchObject({ permission: 'payments.read', outcome: 'denied', denial: { kind: 'missing' } });
    const scoped = decideAccess(
      caller([grant('g1', 'payments.refund'), grant('g2', 'payments.read')], { scopes: ['payments.refund'] }),
      refund,
      small,
    );
    expect(scoped.permissions[1]).toMatchObject({ outcome: 'denied', denial: { kind: 'scope' } });
  });

  it('waits when any permission waits and none is refused', () => {
    const grants = [grant('g1', 'payments.refund'), grant('g2', 'payments.read', { approval: APPROVERS })];
    expect(decideAccess(caller(grants), refund, small).outcome).toBe('approval');
  });

  it('lets admins run without grants, within their token scopes', () => {
    expect(decideAccess(caller([], { admin: true }), refund, big).permissions.every((entry) => entry.via === 'admin')).toBe(true);
    expect(decideAccess(caller([], { admin: true, scopes: ['payments.refund'] }), refund, big).outcome).toBe('denied');
  });
});
