import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Authenticator } from '../auth/authenticator';
import { IdentityChanges } from '../auth/identity-changes';
import { AppConfig } from '../config/app-config';
import type { Caller } from '../permissions/caller';

/** Why a session ends: 4401 its token no longer authenticates, 4403 its principal is disabled. */
export interface SessionEnd {
  code: 4401 | 4403;
  reason: string;
}

/** An open WebSocket or SSE stream, acting for the caller it was opened with. */
export interface LiveSession {
  readonly caller: Caller;
  /** The caller resolved again and still valid (its grants may differ): keep only what it may see. */
  revalidated(caller: Caller): Promise<void>;
  end(why: SessionEnd): void;
}

/** setTimeout's longest delay; a later expiry is caught by a later recheck. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Keeps open sessions honest: after any identity change (revoked or expired token, disabled
 * principal, a grant or admin flag taken away), every session's caller is resolved again, once per
 * token; one that no longer authenticates ends, one that still does keeps only what it may see.
 * Each session also ends when its token expires. While the identity feed is down, sessions are
 * rechecked every AUTH_CACHE_MS instead, the same bound the caller cache keeps.
 */
@Injectable()
export class LiveSessions implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(LiveSessions.name);
  private readonly sessions = new Map<LiveSession, NodeJS.Timeout | undefined>();
  private stopListening?: () => void;
  private fallback?: NodeJS.Timeout;
  private recheckRequested = false;
  private rechecking?: Promise<void>;

  constructor(
    private readonly authenticator: Authenticator,
    private readonly changes: IdentityChanges,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.changes.listen();
    this.stopListening = this.changes.onChange(() => this.requestRecheck());
    const interval = Math.max(this.config.authCacheMs, 1000);
    this.fallback = setInterval(() => {
      if (!this.changes.listening && this.sessions.size > 0) this.requestRecheck();
    }, interval);
    this.fallback.unref();
  }

  onModuleDestroy(): void {
    this.stopListening?.();
    clearInterval(this.fallback);
    for (const timer of this.sessions.values()) clearTimeout(timer);
    this.sessions.clear();
  }

  /** Follows the session from now on; returns the way to stop (when it closes). */
  add(session: LiveSession): () => void {
    const expiresAt = session.caller.token.expiresAt?.getTime();
    const expiry =
      expiresAt === undefined
        ? undefined
        : setTimeout(
            () => this.endOne(session, { code: 4401, reason: 'token expired' }),
            Math.min(Math.max(expiresAt - Date.now(), 0), MAX_TIMER_MS),
          );
    expiry?.unref();
    this.sessions.set(session, expiry);
    return () => this.remove(session);
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Bursts of changes share rechecks: one runs at a time, and one more after it if anything changed meanwhile. */
  requestRecheck(): void {
    this.recheckRequested = true;
    this.rechecking ??= this.drain().finally(() => (this.rechecking = undefined));
  }

  private async drain(): Promise<void> {
    while (this.recheckRequested) {
      this.recheckRequested = false;
      await this.recheckAll();
    }
  }

  private async recheckAll(): Promise<void> {
    const byToken = new Map<string, LiveSession[]>();
    for (const session of this.sessions.keys()) {
      const id = session.caller.token.id;
      const same = byToken.get(id);
      if (same) same.push(session);
      else byToken.set(id, [session]);
    }
    for (const sessions of byToken.values()) {
      try {
        const result = await this.authenticator.recheck(sessions[0].caller);
        if ('failure' in result) {
          const why: SessionEnd = { code: result.failure === 'principal disabled' ? 4403 : 4401, reason: result.failure };
          for (const session of sessions) this.endOne(session, why);
        } else {
          await Promise.all(sessions.map((session) => session.revalidated(result.caller)));
        }
      } catch (error) {
        // The database is away: keep the sessions and try again on the next change or tick.
        this.logger.warn(`could not recheck ${sessions.length} live session(s): ${(error as Error).message}`);
      }
    }
  }

  private endOne(session: LiveSession, why: SessionEnd): void {
    if (!this.sessions.has(session)) return;
    this.remove(session);
    session.end(why);
  }

  private remove(session: LiveSession): void {
    clearTimeout(this.sessions.get(session));
    this.sessions.delete(session);
  }
}

/** Whether two resolutions of a caller may see different executions. */
export function sameView(before: Caller, after: Caller): boolean {
  return (
    before.isAdmin === after.isAdmin &&
    before.principal.id === after.principal.id &&
    before.permissions.length === after.permissions.length &&
    before.permissions.every((permission, index) => permission === after.permissions[index])
  );
}
