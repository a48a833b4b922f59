/** SPEC 7.13: at most `per_hour` executions started in any hour, and `concurrent` not yet finished. */
export interface Quota {
  per_hour?: number;
  concurrent?: number;
}

const MAX_QUOTA = 1_000_000;

/** A quota as written by an admin, or the problems with it; `{}` is no quota at all (null). */
export function parseQuota(input: unknown): { quota: Quota | null } | { problems: string[] } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { problems: ['quota must be a JSON object such as {"per_hour": 100, "concurrent": 5}'] };
  }
  const problems: string[] = [];
  const quota: Quota = {};
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    if (key !== 'per_hour' && key !== 'concurrent') {
      problems.push(`quota.${key} is not known (per_hour, concurrent)`);
    } else if (value === null || value === undefined) {
      continue;
    } else if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_QUOTA) {
      problems.push(`quota.${key} must be a whole number from 1 to ${MAX_QUOTA}`);
    } else {
      quota[key] = value;
    }
  }
  if (problems.length > 0) return { problems };
  return { quota: Object.keys(quota).length > 0 ? quota : null };
}
