// @ts-check
// Formatting helpers: pure functions, no DOM.

/** @typedef {import('./types.js').ExecutionStatus} ExecutionStatus */

/** @type {ExecutionStatus[]} */
export const STATUSES = ['awaiting_approval', 'pending', 'running', 'completed', 'failed', 'cancelled', 'timeout'];
/** The statuses counts are kept under: awaiting approval counts as pending (SPEC 7.11). */
export const COUNTED_STATUSES = STATUSES.filter((status) => status !== 'awaiting_approval');
/** @type {ExecutionStatus[]} */
export const TERMINAL = ['completed', 'failed', 'cancelled', 'timeout'];

/** @param {ExecutionStatus} status */
export const isTerminal = (status) => TERMINAL.includes(status);

/**
 * "3 s ago", "5 min ago", "in 2 h", or a date for anything older than a week.
 * @param {string | null | undefined} iso
 */
export function relativeTime(iso, now = Date.now()) {
  if (!iso) return '—';
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 5) return 'just now';
  const [value, unit] =
    abs < 60
      ? [abs, 's']
      : abs < 3600
        ? [Math.floor(abs / 60), 'min']
        : abs < 86400
          ? [Math.floor(abs / 3600), 'h']
          : [Math.floor(abs / 86400), 'd'];
  if (unit === 'd' && value > 7) return new Date(iso).toLocaleDateString();
  return seconds < 0 ? `${value} ${unit} ago` : `in ${value} ${unit}`;
}

/**
 * "850 ms", "1.2 s", "3 min 4 s", "2 h 5 min".
 * @param {number | null | undefined} ms
 */
export function duration(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 3600) return `${Math.floor(totalSeconds / 60)} min ${totalSeconds % 60} s`;
  return `${Math.floor(totalSeconds / 3600)} h ${Math.floor((totalSeconds % 3600) / 60)} min`;
}

/** @param {string | null | undefined} iso */
export function dateTime(iso) {
  return iso ? new Date(iso).toLocaleString() : '—';
}

/**
 * `<input type="datetime-local">` gives local time without a zone; the API wants ISO.
 * @param {string} value
 */
export function localInputToIso(value) {
  return value ? new Date(value).toISOString() : '';
}

/** @param {unknown} value */
export function prettyJson(value) {
  return JSON.stringify(value, null, 2);
}

/** @param {unknown} value */
export function compactJson(value, max = 120) {
  if (value === null || value === undefined) return '';
  const text = JSON.stringify(value);
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

/**
 * A quota in words: "10 per hour, 2 at once"; empty when none (SPEC 7.13).
 * @param {import('./types.js').Quota | null | undefined} quota
 */
export function quotaText(quota) {
  if (!quota) return '';
  const parts = [];
  if (quota.per_hour) parts.push(`${quota.per_hour} per hour`);
  if (quota.concurrent) parts.push(`${quota.concurrent} at once`);
  return parts.join(', ');
}

/**
 * The quota the two form fields state (empty fields: no limit), or null for none.
 * @param {string} perHour
 * @param {string} concurrent
 * @returns {import('./types.js').Quota | null}
 */
export function quotaFromFields(perHour, concurrent) {
  /** @type {import('./types.js').Quota} */
  const quota = {};
  if (perHour.trim()) quota.per_hour = Number(perHour);
  if (concurrent.trim()) quota.concurrent = Number(concurrent);
  return Object.keys(quota).length > 0 ? quota : null;
}

/** @param {string | null | undefined} id */
export function shortId(id) {
  return id ? id.slice(0, 8) : '';
}

/**
 * The API's `{message}` may be a string or a list of strings.
 * @param {unknown} error
 */
export function errorText(error) {
  const message = /** @type {{ message?: unknown } | null | undefined} */ (error)?.message;
  if (Array.isArray(message)) return message.join('; ');
  return message ? String(message) : String(error);
}
