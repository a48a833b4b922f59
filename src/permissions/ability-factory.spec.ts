import { effectivePermissions } from '../auth/authenticator';
import { Execution } from '../executions/execution.entity';
import { toTaskDefinition } from '../task-registry/task-definition-factory';
import { TaskRegistry } from '../task-registry/task-registry';
import { AbilityFactory } from './ability-factory';
import { Caller } from './caller';

function registryWith(...tasks: Array<[string, string[]]>): TaskRegistry {
  const registry = new TaskRegistry();
  for (const [name, permissions] of tasks) {
    registry.register(
      toTaskDefinition(
        'Fixture',
        name.replace('.', '_'),
        { permissions, description: 'x', options: { name, public: permissions.length === 0 } },
        () => 1,
      ),
    );
  }
  return registry;
}

function caller(overrides: Partial<Caller> & { granted?: string[]; scopes?: string[] | null; admin?: boolean } = {}): Caller {
  const admin = overrides.admin ?? false;
  const scopes = overrides.scopes ?? null;
  return {
    principal: { id: 'p-1', name: 'alice', kind: 'user', isAdmin: admin },
    token: { id: 't-1', name: 'test', scopes, expiresAt: null, quota: null },
    groups: [],
    permissions: effectivePermissions(overrides.granted ?? [], scopes, admin),
    conditions: {},
    grants: [],
    isAdmin: admin && !scopes,
  };
}

function execution(ownerId: string, taskName = 'reports.monthly'): Execution {
  return Object.assign(new Execution(), { id: 'e-1', ownerId, taskName });
}

describe(AbilityFactory.name, () => {
  const registry = registryWith(
    ['reports.monthly', ['reports.generate']],
    ['reports.both', ['reports.generate', 'reports.publish']],
    ['misc.ping', []],
  );
  const sut = new AbilityFactory(registry);

  it('lets a caller execute a task only when it holds every permission the task declares', () => {
    const ability = sut.createForCaller(caller({ granted: ['reports.generate'] }));
    expect(ability.can('execute', registry.get('reports.monthly'))).toBe(true);
    expect(ability.can('execute', registry.get('reports.both'))).toBe(false);
    const both = sut.createForCaller(caller({ granted: ['reports.generate', 'reports.publish'] }));
    expect(both.can('execute', registry.get('reports.both'))).toBe(true);
  });

  it('lets anyone authenticated execute a public task', () => {
    expect(sut.createForCaller(caller()).can('execute', registry.get('misc.ping'))).toBe(true);
  });

  it('counts permissions from groups the same as direct ones (the union reaches the factory)', () => {
    // The authenticator unions direct and group grants; the factory only sees the result.
    const ability = sut.createForCaller(caller({ granted: ['reports.generate', 'reports.publish'] }));
    expect(ability.can('execute', registry.get('reports.both'))).toBe(true);
  });

  it('narrows by token scopes, never widens', () => {
    const narrowed = sut.createForCaller(caller({ granted: ['reports.generate', 'reports.publish'], scopes: ['reports.generate'] }));
    expect(narrowed.can('execute', registry.get('reports.monthly'))).toBe(true);
    expect(narrowed.can('execute', registry.get('reports.both'))).toBe(false);
    const widened = sut.createForCaller(caller({ granted: [], scopes: ['reports.generate'] }));
    expect(widened.can('execute', registry.get('reports.monthly'))).toBe(false);
  });

  describe('isApprover (SPEC 7.11)', () => {
    const awaiting = (ownerId: string, groups: string[]) =>
      Object.assign(execution(ownerId), {
        approval: {
          requirements: groups.map((group) => ({ permission: 'reports.generate', grant_id: `g-${group}`, group, quorum: 1 })),
          votes: [],
        },
      });

    it('makes members of a required group approvers, the requester never', () => {
      const member = { ...caller(), groups: ['finance'] };
      expect(sut.isApprover(member, awaiting('someone-else', ['ops', 'finance']))).toBe(true);
      expect(sut.isApprover(member, awaiting('someone-else', ['ops']))).toBe(false);
      expect(sut.isApprover(member, awaiting('p-1', ['finance']))).toBe(false);
      expect(sut.isApprover(member, execution('someone-else'))).toBe(false); // it never needed approval
    });

    it('lets a scoped token approve only the tasks its scopes cover', () => {
      const scoped = (scopes: string[]) => ({ ...caller({ scopes }), groups: ['finance'] });
      expect(sut.isApprover(scoped(['reports.generate']), awaiting('someone-else', ['finance']))).toBe(true);
      expect(sut.isApprover(scoped(['reports.publish']), awaiting('someone-else', ['finance']))).toBe(false);
    });

    it('grants no CASL rule: an approver may not cancel, retry or delete', () => {
      const member = { ...caller(), groups: ['finance'] };
      const subject = awaiting('someone-else', ['finance']);
      const ability = sut.createForCaller(member);
      for (const action of ['read', 'cancel', 'retry', 'delete'] as const) expect(ability.can(action, subject)).toBe(false);
    });
  });

  it('lets an unscoped admin manage everything', () => {
    const ability = sut.createForCaller(caller({ admin: true }));
    expect(ability.can('execute', registry.get('reports.both'))).toBe(true);
    expect(ability.can('read', execution('someone-else'))).toBe(true);
    expect(ability.can('delete', execution('someone-else'))).toBe(true);
  });

  it('limits a scoped admin token to its scopes and its own executions', () => {
    const ability = sut.createForCaller(caller({ admin: true, scopes: ['reports.generate'] }));
    expect(ability.can('execute', registry.get('reports.monthly'))).toBe(true);
    expect(ability.can('execute', registry.get('reports.both'))).toBe(false);
    expect(ability.can('read', execution('someone-else'))).toBe(false);
  });

  it('lets a scoped token manage only its own executions of tasks its scopes let it start', () => {
    const granted = ['reports.generate', 'reports.publish', 'executions.update'];
    const scoped = sut.createForCaller(caller({ granted, scopes: ['reports.generate', 'executions.update'] }));
    for (const action of ['read', 'cancel', 'retry', 'delete', 'update'] as const) {
      expect(scoped.can(action, execution('p-1', 'reports.monthly'))).toBe(true);
      expect(scoped.can(action, execution('p-1', 'misc.ping'))).toBe(true); // public: any token may start it
      expect(scoped.can(action, execution('p-1', 'reports.both'))).toBe(false);
      expect(scoped.can(action, execution('p-1', 'gone.task'))).toBe(false);
      expect(scoped.can(action, execution('p-2', 'reports.monthly'))).toBe(false);
    }
    const none = sut.createForCaller(caller({ granted, scopes: [] }));
    expect(none.can('read', execution('p-1', 'reports.monthly'))).toBe(false);
    expect(none.can('read', execution('p-1', 'misc.ping'))).toBe(true);
  });

  it('lets a caller read, cancel, retry and delete its own executions and nobody else’s', () => {
    const ability = sut.createForCaller(caller());
    for (const action of ['read', 'cancel', 'retry', 'delete'] as const) {
      expect(ability.can(action, execution('p-1'))).toBe(true);
      expect(ability.can(action, execution('p-2'))).toBe(false);
    }
  });
});

describe(`${AbilityFactory.name} cache`, () => {
  const sut = new AbilityFactory(registryWith(['reports.monthly', ['reports.generate']]));

  it('builds one ability per resolved identity: a per-request copy that adds the address reuses it', () => {
    const resolved = caller({ granted: ['reports.generate'] });
    const first = sut.createForCaller({ ...resolved, address: '10.0.0.1' });
    expect(sut.createForCaller({ ...resolved, address: '10.0.0.2' })).toBe(first);
  });

  it('builds anew for an identity resolved again, so changed grants take effect', () => {
    const before = sut.createForCaller(caller({ granted: ['reports.generate'] }));
    const after = sut.createForCaller(caller({ granted: [] }));
    expect(after).not.toBe(before);
    expect(after.can('execute', registryWith(['reports.monthly', ['reports.generate']]).get('reports.monthly'))).toBe(false);
  });
});

describe(effectivePermissions.name, () => {
  it('is the grants without scopes, their intersection with scopes, and exactly the scopes for admins', () => {
    expect(effectivePermissions(['a', 'b'], null, false)).toEqual(['a', 'b']);
    expect(effectivePermissions(['a', 'b'], ['b', 'c'], false)).toEqual(['b']);
    expect(effectivePermissions([], ['c', 'b'], true)).toEqual(['b', 'c']);
  });
});
