/** A handler's return value, checked before it is stored. */
export type ResultCheck = { ok: true; value: unknown } | { ok: false; reason: string };

export function checkResult(result: unknown, limitBytes: number): ResultCheck {
  let json: string | undefined;
  try {
    json = JSON.stringify(result === undefined ? null : result);
  } catch (error) {
    return { ok: false, reason: `the result is not JSON-serialisable: ${(error as Error).message}` };
  }
  if (json === undefined) return { ok: false, reason: 'the result is not JSON-serialisable' };
  const size = Buffer.byteLength(json, 'utf8');
  if (size > limitBytes) {
    return { ok: false, reason: `the result is ${size} bytes of JSON, over the limit of ${limitBytes} (RESULT_LIMIT)` };
  }
  return { ok: true, value: JSON.parse(json) };
}

export function checkProgress(update: Record<string, unknown>): string | null {
  const { progress, total_items, completed_items } = update;
  if (progress !== undefined && (typeof progress !== 'number' || !(progress >= 0 && progress <= 100))) {
    return 'progress must be a number from 0 to 100';
  }
  for (const [field, value] of Object.entries({ total_items, completed_items })) {
    if (value !== undefined && (!Number.isInteger(value) || (value as number) < 0)) return `${field} must be a whole number ≥ 0`;
  }
  for (const field of ['stage', 'message'] as const) {
    if (update[field] !== undefined && typeof update[field] !== 'string') return `${field} must be a string`;
  }
  return null;
}
