import { loadAppConfig } from '../config/load-app-config';
import { isSealed, keyId, maskSealed, SecretsCipher } from './secrets-cipher';

const NEW_KEY = Buffer.alloc(32, 3).toString('base64');
const OLD_KEY = Buffer.alloc(32, 4).toString('base64');

const cipherWith = (env: Record<string, string>) => new SecretsCipher(loadAppConfig(env));

describe(SecretsCipher.name, () => {
  it('seals with AES-256-GCM under the key id, and opens in clear', () => {
    const sut = cipherWith({ SECRETS_KEY: NEW_KEY });
    const sealed = sut.seal('api_key', 'sk-live-123');
    expect(isSealed(sealed)).toBe(true);
    expect(sealed.$sealed).toMatch(new RegExp(`^v1:${keyId(Buffer.from(NEW_KEY, 'base64'))}:`));
    expect(sealed.$sealed).not.toContain('sk-live-123');
    expect(sut.open('api_key', sealed)).toBe('sk-live-123');
    expect(sut.seal('api_key', 'sk-live-123')).not.toEqual(sealed); // a fresh IV each time
  });

  it('opens a value sealed with a key now in SECRETS_KEY_PREVIOUS; refuses it once that key is gone', () => {
    const sealed = cipherWith({ SECRETS_KEY: OLD_KEY }).seal('api_key', 'before-rotation');
    expect(cipherWith({ SECRETS_KEY: NEW_KEY, SECRETS_KEY_PREVIOUS: OLD_KEY }).open('api_key', sealed)).toBe('before-rotation');
    expect(() => cipherWith({ SECRETS_KEY: NEW_KEY }).open('api_key', sealed)).toThrow(/neither SECRETS_KEY nor in SECRETS_KEY_PREVIOUS/);
  });

  it('refuses a value moved to another field or altered', () => {
    const sut = cipherWith({ SECRETS_KEY: NEW_KEY });
    const sealed = sut.seal('api_key', 'x');
    expect(() => sut.open('password', sealed)).toThrow(/altered/);
    expect(() => sut.open('api_key', { $sealed: sealed.$sealed.slice(0, -2) + 'AA' })).toThrow(/altered/);
  });

  it('fingerprints equal values equally, with the key', () => {
    const sut = cipherWith({ SECRETS_KEY: NEW_KEY });
    expect(sut.fingerprint('api_key', 'a')).toBe(sut.fingerprint('api_key', 'a'));
    expect(sut.fingerprint('api_key', 'a')).not.toBe(sut.fingerprint('api_key', 'b'));
    expect(cipherWith({ SECRETS_KEY: OLD_KEY }).fingerprint('api_key', 'a')).not.toBe(sut.fingerprint('api_key', 'a'));
  });

  it('masks sealed values as "***" and leaves the rest', () => {
    const sealed = cipherWith({ SECRETS_KEY: NEW_KEY }).seal('api_key', 'x');
    expect(maskSealed({ to: 'ops', api_key: sealed })).toEqual({ to: 'ops', api_key: '***' });
  });
});
