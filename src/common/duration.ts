const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `30d`, `12h`, `90m`, `2w`, `45s` → milliseconds; null when it is not such a duration. */
export function parseDuration(text: string): number | null {
  const match = /^(\d+)\s*([smhdw])$/.exec(text.trim());
  if (!match) return null;
  const ms = Number(match[1]) * UNITS[match[2]];
  return ms > 0 && Number.isSafeInteger(ms) ? ms : null;
}

/** The longest retention written as a duration: a century (longer is `0`, forever). */
export const MAX_RETENTION_MS = 36_500 * 86_400_000;

/**
 * A retention (SPEC 7.9: `RETENTION`, `AUDIT_RETENTION`, a task's `retain`) → milliseconds, `0`
 * meaning "keep forever"; null when it is neither `0` nor a duration in `s`, `m`, `h` or `d` of
 * at most a century.
 */
export function parseRetention(text: string | number): number | null {
  if (text === 0 || (typeof text === 'string' && text.trim() === '0')) return 0;
  if (typeof text !== 'string' || !/^\s*\d+\s*[smhd]\s*$/.test(text)) return null;
  const ms = parseDuration(text);
  return ms !== null && ms <= MAX_RETENTION_MS ? ms : null;
}

/** What a retention may be, for error messages. */
export const RETENTION_HINT = '0 (keep forever) or a duration such as 30d, 12h, 90m or 45s';
