import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import type { Caller } from '../permissions/caller';
import type { ApiToken } from './api-token.entity';

interface Entry {
  caller: Caller;
  token: ApiToken;
  cachedUntil: number;
}

/** Beyond this many tokens the cache starts over: memory stays bounded whatever the callers do. */
const MAX_ENTRIES = 10_000;

/**
 * Callers resolved from a token, for AUTH_CACHE_MS, keyed by the token's hash (never the secret).
 * Four queries a request become none while a service calls repeatedly. Any change to principals,
 * groups, grants or tokens, in any process, empties every process's cache (IdentityChanges); the
 * short lifetime bounds how stale an entry can be if that message is lost. Expiry is checked on
 * every hit, so a token never outlives its `expires_at`.
 */
@Injectable()
export class CallerCache {
  private readonly entries = new Map<string, Entry>();
  /** Bumped by every clear: an entry read from the database before a change must not be stored after it. */
  private clears = 0;

  constructor(private readonly config: AppConfig) {}

  get(tokenHash: string, now = Date.now()): { caller: Caller; token: ApiToken } | undefined {
    const entry = this.entries.get(tokenHash);
    if (!entry) return undefined;
    if (entry.cachedUntil <= now || (entry.token.expiresAt && entry.token.expiresAt.getTime() <= now)) {
      this.entries.delete(tokenHash);
      return undefined;
    }
    return entry;
  }

  /** Pass it to `set` with what was read after asking. */
  get generation(): number {
    return this.clears;
  }

  set(tokenHash: string, caller: Caller, token: ApiToken, readInGeneration: number, now = Date.now()): void {
    if (this.config.authCacheMs === 0 || readInGeneration !== this.clears) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(tokenHash, { caller, token, cachedUntil: now + this.config.authCacheMs });
  }

  clear(): void {
    this.clears++;
    this.entries.clear();
  }
}
