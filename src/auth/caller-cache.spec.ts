import { loadAppConfig } from '../config/load-app-config';
import type { Caller } from '../permissions/caller';
import type { ApiToken } from './api-token.entity';
import { CallerCache } from './caller-cache';

describe(CallerCache.name, () => {
  const caller = { principal: { id: 'p' } } as Caller;
  const token = (expiresAt: Date | null = null) => ({ id: 't', expiresAt }) as ApiToken;
  const now = 1_000_000;
  let sut: CallerCache;

  beforeEach(() => {
    sut = new CallerCache(loadAppConfig({ AUTH_CACHE_MS: '5000' }));
  });

  it('answers a stored caller until AUTH_CACHE_MS has passed', () => {
    sut.set('hash', caller, token(), sut.generation, now);
    expect(sut.get('hash', now + 4999)?.caller).toBe(caller);
    expect(sut.get('hash', now + 5000)).toBeUndefined();
    expect(sut.get('other', now)).toBeUndefined();
  });

  it('never answers a token past its own expiry, however fresh the entry', () => {
    sut.set('hash', caller, token(new Date(now + 1000)), sut.generation, now);
    expect(sut.get('hash', now + 999)?.caller).toBe(caller);
    expect(sut.get('hash', now + 1000)).toBeUndefined();
  });

  it('forgets everything on clear, and refuses an entry read before the clear', () => {
    const readBefore = sut.generation;
    sut.set('hash', caller, token(), readBefore, now);
    sut.clear();
    expect(sut.get('hash', now)).toBeUndefined();
    // Read from the database while a change was being made: storing it would resurrect the old state.
    sut.set('hash', caller, token(), readBefore, now);
    expect(sut.get('hash', now)).toBeUndefined();
    sut.set('hash', caller, token(), sut.generation, now);
    expect(sut.get('hash', now)?.caller).toBe(caller);
  });

  it('stores nothing when AUTH_CACHE_MS is 0', () => {
    const off = new CallerCache(loadAppConfig({ AUTH_CACHE_MS: '0' }));
    off.set('hash', caller, token(), off.generation, now);
    expect(off.get('hash', now)).toBeUndefined();
  });

  it('stays bounded: past 10 000 tokens it starts over', () => {
    for (let i = 0; i < 10_000; i++) sut.set(`hash-${i}`, caller, token(), sut.generation, now);
    expect(sut.get('hash-0', now)).toBeDefined();
    sut.set('one-more', caller, token(), sut.generation, now);
    expect(sut.get('hash-0', now)).toBeUndefined();
    expect(sut.get('one-more', now)).toBeDefined();
  });
});
