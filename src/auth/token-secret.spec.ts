import { displayPrefix, generateTokenSecret, hashTokenSecret, looksLikeToken, secretMatchesHash } from './token-secret';

describe('token secrets', () => {
  it('generates tgw_ followed by 40 url-safe characters', () => {
    const secret = generateTokenSecret();
    expect(secret).toMatch(/^tgw_[A-Za-z0-9_-]{40}$/);
    expect(looksLikeToken(secret)).toBe(true);
  });

  it('never generates the same secret twice in a large sample', () => {
    const secrets = new Set(Array.from({ length: 5000 }, generateTokenSecret));
    expect(secrets.size).toBe(5000);
  });

  it('stores a hash that is not the secret and verifies only the right secret', () => {
    const secret = generateTokenSecret();
    const hash = hashTokenSecret(secret);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(secret.slice(4));
    expect(secretMatchesHash(secret, hash)).toBe(true);
    expect(secretMatchesHash(generateTokenSecret(), hash)).toBe(false);
    expect(secretMatchesHash(secret, 'abc')).toBe(false);
  });

  it('rejects strings of the wrong shape', () => {
    expect(looksLikeToken('tgw_short')).toBe(false);
    expect(looksLikeToken('xyz_' + 'a'.repeat(40))).toBe(false);
    expect(looksLikeToken(`tgw_${'a'.repeat(39)}!`)).toBe(false);
  });

  it('shows only a short prefix', () => {
    expect(displayPrefix('tgw_abcdefgh')).toBe('tgw_abcd');
  });
});
