import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const TOKEN_PREFIX = 'tgw_';
const TOKEN_PATTERN = /^tgw_[A-Za-z0-9_-]{40}$/;

/** A new secret: `tgw_` + 40 url-safe characters (30 random bytes, 240 bits). */
export function generateTokenSecret(): string {
  return TOKEN_PREFIX + randomBytes(30).toString('base64url');
}

export function looksLikeToken(secret: string): boolean {
  return TOKEN_PATTERN.test(secret);
}

/**
 * The stored form. A fast hash is right for 240-bit random secrets (nothing to brute-force), and
 * looking up by hash means the database compares values the caller cannot steer byte by byte.
 */
export function hashTokenSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time check that `secret` hashes to `storedHash`. */
export function secretMatchesHash(secret: string, storedHash: string): boolean {
  const actual = Buffer.from(hashTokenSecret(secret), 'hex');
  const expected = Buffer.from(storedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** What lists show of a token: `tgw_` and four more characters. */
export function displayPrefix(secret: string): string {
  return secret.slice(0, TOKEN_PREFIX.length + 4);
}
