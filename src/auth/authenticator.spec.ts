import crypto from 'node:crypto';
import type { DataSource } from 'typeorm';
import { loadAppConfig } from '../config/load-app-config';
import { ApiToken } from './api-token.entity';
import { Authenticator } from './authenticator';
import { CallerCache } from './caller-cache';
import type { IdentityChanges } from './identity-changes';
import type { LastUsedTracker } from './last-used-tracker';
import { generateTokenSecret, hashTokenSecret } from './token-secret';

describe(Authenticator.name, () => {
  const secret = generateTokenSecret();
  let findOneBy: jest.Mock;
  let sut: Authenticator;

  beforeEach(() => {
    findOneBy = jest.fn();
    const config = loadAppConfig({});
    sut = new Authenticator(
      { manager: { findOneBy } } as unknown as DataSource,
      { touch: jest.fn() } as unknown as LastUsedTracker,
      new CallerCache(config),
      { listening: true } as unknown as IdentityChanges,
    );
  });

  afterEach(() => jest.restoreAllMocks());

  it('looks a token up by the hash of the secret, never by the secret', async () => {
    findOneBy.mockResolvedValue(null);
    expect(await sut.authenticate(secret)).toEqual({ failure: 'invalid token' });
    expect(findOneBy).toHaveBeenCalledTimes(1);
    expect(findOneBy).toHaveBeenCalledWith(ApiToken, { tokenHash: hashTokenSecret(secret) });
    expect(JSON.stringify(findOneBy.mock.calls)).not.toContain(secret.slice(4));
  });

  it('compares the found hash with crypto.timingSafeEqual, and refuses a row the database matched loosely', async () => {
    const compare = jest.spyOn(crypto, 'timingSafeEqual');
    // A database comparing case-insensitively, or by prefix, could hand back another token's row.
    const other = hashTokenSecret(generateTokenSecret());
    findOneBy.mockResolvedValueOnce({ id: 't', tokenHash: other, revokedAt: null, expiresAt: null, principalId: 'p' });
    expect(await sut.authenticate(secret)).toEqual({ failure: 'invalid token' });
    expect(compare).toHaveBeenCalledTimes(1);
    const [presented, stored] = compare.mock.calls[0] as [Buffer, Buffer];
    expect(presented.equals(Buffer.from(hashTokenSecret(secret), 'hex'))).toBe(true);
    expect(stored.equals(Buffer.from(other, 'hex'))).toBe(true);
    expect(findOneBy).toHaveBeenCalledTimes(1); // refused before the principal is even read
  });

  it('does not query at all for a string that is not token-shaped', async () => {
    expect(await sut.authenticate('tgw_short')).toEqual({ failure: 'invalid token' });
    expect(await sut.authenticate(`${secret}x`)).toEqual({ failure: 'invalid token' });
    expect(findOneBy).not.toHaveBeenCalled();
  });
});
