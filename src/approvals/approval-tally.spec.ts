import type { ApprovalRequirement } from '../permissions/access-decision';
import { RecordedVote, tally } from './approval-tally';

const requirement = (group: string, quorum: number, permission = 'demo.run'): ApprovalRequirement => ({
  permission,
  grant_id: `grant-${group}`,
  group,
  quorum,
});

const vote = (principal: string, groups: string[], decision: 'approve' | 'reject' = 'approve'): RecordedVote => ({
  principal_id: principal,
  name: principal,
  decision,
  comment: null,
  at: '2026-01-01T00:00:00.000Z',
  groups,
});

describe(tally.name, () => {
  it('waits until the quorum of distinct approvers is reached', () => {
    const sut = [requirement('ops', 2)];
    expect(tally(sut, [])).toEqual({ outcome: 'waiting', missing: ['2 more approvals from group ops'] });
    expect(tally(sut, [vote('a', ['ops'])])).toEqual({ outcome: 'waiting', missing: ['1 more approval from group ops'] });
    expect(tally(sut, [vote('a', ['ops']), vote('b', ['ops'])])).toEqual({ outcome: 'approved' });
  });

  it('counts one approver once per requirement, however often it appears', () => {
    expect(tally([requirement('ops', 2)], [vote('a', ['ops']), vote('a', ['ops'])]).outcome).toBe('waiting');
  });

  it('counts an approver for every requirement whose group it was in, and only those', () => {
    const sut = [requirement('ops', 1, 'demo.run'), requirement('finance', 1, 'billing.pay')];
    expect(tally(sut, [vote('a', ['ops'])])).toEqual({ outcome: 'waiting', missing: ['1 more approval from group finance'] });
    expect(tally(sut, [vote('a', ['ops', 'finance'])])).toEqual({ outcome: 'approved' });
    expect(tally(sut, [vote('a', ['ops']), vote('b', ['finance'])])).toEqual({ outcome: 'approved' });
  });

  it('ends at the first rejection, whatever the approvals', () => {
    const rejection = vote('c', ['ops'], 'reject');
    expect(tally([requirement('ops', 1)], [vote('a', ['ops']), rejection])).toEqual({ outcome: 'rejected', by: rejection });
  });
});
