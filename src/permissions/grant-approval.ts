import { parseDuration } from '../common/duration';

/** SPEC 7.11: a grant whose matching requests wait for `quorum` members of `group` to approve. */
export interface GrantApproval {
  group: string;
  quorum: number;
  /** A duration (`s`, `m`, `h`, `d`) after which an execution still awaiting is cancelled. */
  timeout: string;
}

export const DEFAULT_QUORUM = 1;
export const MAX_QUORUM = 10;
export const DEFAULT_APPROVAL_TIMEOUT = '24h';
/** Longer than a month is a request nobody is watching any more. */
const MAX_APPROVAL_TIMEOUT_MS = 30 * 86_400_000;

/**
 * The approval rule as written by an admin, with its defaults, or the problems with it (the group's
 * existence is checked by the caller, which has the database).
 */
export function parseApproval(input: unknown): { approval: GrantApproval } | { problems: string[] } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { problems: ['approval must be a JSON object such as {"group": "approvers", "quorum": 2, "timeout": "24h"}'] };
  }
  const { group, quorum = DEFAULT_QUORUM, timeout = DEFAULT_APPROVAL_TIMEOUT, ...rest } = input as Record<string, unknown>;
  const problems: string[] = Object.keys(rest).map((key) => `approval.${key} is not known (group, quorum, timeout)`);
  if (typeof group !== 'string' || group.trim() === '' || group.length > 100) problems.push('approval.group must be the name of a group');
  if (typeof quorum !== 'number' || !Number.isInteger(quorum) || quorum < 1 || quorum > MAX_QUORUM) {
    problems.push(`approval.quorum must be a whole number from 1 to ${MAX_QUORUM}`);
  }
  const ms = typeof timeout === 'string' ? parseDuration(timeout) : null;
  if (ms === null || ms > MAX_APPROVAL_TIMEOUT_MS) problems.push('approval.timeout must be a duration such as 30m, 24h or 7d, at most 30d');
  if (problems.length > 0) return { problems };
  return { approval: { group: group as string, quorum: quorum as number, timeout: (timeout as string).trim() } };
}

export function approvalTimeoutMs(approval: GrantApproval): number {
  return parseDuration(approval.timeout) ?? parseDuration(DEFAULT_APPROVAL_TIMEOUT)!;
}
