/**
 * Every start of a handler is an attempt, whatever ends it: a worker killed mid-run used one up.
 * A task with a single attempt still gets one takeover: `attempts: 1` means "do not retry errors",
 * and a deploy or an OOM kill is not the task's fault. The same rule in SQL (for the claim) and in
 * code (for the reconciler).
 */
export const TAKEOVER_ALLOWED_SQL = '(attempts < max_attempts OR attempts < 2)';

export function takeoverAllowed(attempts: number, maxAttempts: number): boolean {
  return attempts < maxAttempts || attempts < 2;
}

export const ABANDONED_REASON =
  'the worker running the last attempt stopped before recording an outcome (killed or crashed); no attempt is left';
