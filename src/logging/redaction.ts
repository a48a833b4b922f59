/** Not only whole tokens: a truncated or mangled one pasted into a URL is still most of a secret. */
const TOKEN = /tgw_[A-Za-z0-9_-]{8,}/g;
const UUID = /\b([0-9a-f]{8})-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
const TOKEN_PARAM = /([?&]token=)[^&#]*/gi;

/** Any token-looking string becomes `tgw_[REDACTED]`. */
export function scrubTokens(text: string): string {
  return text.replace(TOKEN, 'tgw_[REDACTED]');
}

/** Ids in logs show a prefix only: enough to correlate, not enough to act on. */
export function maskId(id: string): string {
  return `${id.slice(0, 8)}…`;
}

/** A URL fit for a log line: `?token=` redacted, ids masked, token-looking strings scrubbed. */
export function redactUrl(url: string): string {
  return scrubTokens(url.replace(TOKEN_PARAM, '$1[REDACTED]')).replace(UUID, '$1…');
}

/**
 * The request and response objects pino-http puts in a record: their serializers keep only safe
 * fields (id, method, redacted URL; status), so walking the whole socket graph would be wasted work.
 */
const SERIALIZED_KEYS = new Set(['req', 'res']);

/** Scrubs every string inside a log record (objects and arrays, a few levels deep). */
export function scrubRecord<T>(value: T, depth = 0): T {
  if (depth === 0 && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>))
      copy[key] = SERIALIZED_KEYS.has(key) ? item : scrubRecord(item, 1);
    return copy as T;
  }
  if (typeof value === 'string') return scrubTokens(value) as T;
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return (value as unknown[]).map((item) => scrubRecord(item, depth + 1)) as T;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) copy[key] = scrubRecord(item, depth + 1);
  return copy as T;
}
