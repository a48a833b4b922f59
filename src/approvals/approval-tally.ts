import type { ApprovalRequirement, ApprovalVote } from '../permissions/access-decision';

/** A vote as kept on the record: what it lists, and the groups of the execution's requirements the voter was in when voting. */
export interface RecordedVote extends ApprovalVote {
  groups: string[];
}

/** Where the votes leave an execution awaiting approval (SPEC 7.11). */
export type TallyOutcome = { outcome: 'approved' } | { outcome: 'rejected'; by: RecordedVote } | { outcome: 'waiting'; missing: string[] };

/**
 * One rejection ends it; otherwise it is approved once every requirement has `quorum` distinct
 * approvers among the members of its group (when they voted). One approver counts for every
 * requirement whose group it was in.
 */
export function tally(requirements: readonly ApprovalRequirement[], votes: readonly RecordedVote[]): TallyOutcome {
  const rejection = votes.find((vote) => vote.decision === 'reject');
  if (rejection) return { outcome: 'rejected', by: rejection };
  const missing = requirements.flatMap((requirement) => {
    const approvers = new Set(
      votes.filter((vote) => vote.decision === 'approve' && vote.groups.includes(requirement.group)).map((vote) => vote.principal_id),
    );
    const short = requirement.quorum - approvers.size;
    return short > 0 ? [`${short} more approval${short === 1 ? '' : 's'} from group ${requirement.group}`] : [];
  });
  return missing.length === 0 ? { outcome: 'approved' } : { outcome: 'waiting', missing };
}
