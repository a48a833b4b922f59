import { InvalidInputError } from '../common/domain-errors';

/** Where a page ended: the last row's creation time and id, and the order it was read in. */
export interface CursorPosition {
  createdAt: Date;
  id: string;
  order: 'asc' | 'desc';
}

/** 1970 to the year 9999: every stored time is inside, and both databases take every value in it. */
const MAX_CURSOR_MILLIS = Date.UTC(9999, 11, 31);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Opaque to callers: base64url of a small JSON array. Not a secret, only not a contract. */
export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt.getTime(), position.id, position.order])).toString('base64url');
}

export function decodeCursor(cursor: string, order: 'asc' | 'desc'): CursorPosition {
  const invalid = () => new InvalidInputError(['cursor is invalid: pass next_cursor from a previous page unchanged']);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) throw invalid();
  const [millis, id, cursorOrder] = parsed as [unknown, unknown, unknown];
  if (
    !Number.isSafeInteger(millis) ||
    (millis as number) < 0 ||
    (millis as number) > MAX_CURSOR_MILLIS ||
    typeof id !== 'string' ||
    !UUID.test(id) ||
    (cursorOrder !== 'asc' && cursorOrder !== 'desc')
  ) {
    throw invalid();
  }
  if (cursorOrder !== order) throw new InvalidInputError([`cursor was made for order=${cursorOrder}, not order=${order}`]);
  return { createdAt: new Date(millis as number), id: id.toLowerCase(), order };
}
