export type HeaderParse = { secret: string } | { failure: string };

/** `Authorization: Bearer <token>` or `Authorization: Token <token>`, scheme case-insensitive. */
export function parseAuthorizationHeader(header: string | undefined): HeaderParse {
  if (header === undefined || header.trim() === '') return { failure: 'missing Authorization header' };
  const match = /^(Bearer|Token)\s+(\S+)\s*$/i.exec(header.trim());
  if (!match) return { failure: 'malformed Authorization header: use "Bearer <token>" or "Token <token>"' };
  return { secret: match[2] };
}
