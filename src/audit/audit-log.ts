import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { In, Repository } from 'typeorm';
import { bulkInsert, InsertSet } from '../database/bulk-insert';
import { KeysetColumns, KeysetPage, readKeysetPage } from '../common/keyset-page';
import type { Caller } from '../permissions/caller';
import { AuditAction, AuditEvent } from './audit-event.entity';

export interface AuditTarget {
  type: 'execution' | 'task' | 'token' | 'principal' | 'group' | 'grant';
  id: string;
}

/** Who acted: an API caller, or the command line on the server (no principal, no token). */
export interface AuditActor {
  id: string | null;
  name: string;
  tokenId: string | null;
  address: string | null;
}

export function actorOf(caller: Caller): AuditActor {
  return { id: caller.principal.id, name: caller.principal.name, tokenId: caller.token.id, address: caller.address ?? null };
}

/** One audit row to write: who did what to which target. */
export interface AuditEntry {
  who: Caller | AuditActor;
  action: AuditAction;
  target: AuditTarget;
  details?: Record<string, unknown> | null;
}

export interface AuditQuery {
  actor?: string;
  action?: AuditAction;
  after?: Date;
  before?: Date;
  limit: number;
  cursor?: string;
}

export type AuditPage = KeysetPage<AuditEvent>;

const AUDIT_KEYS: KeysetColumns<AuditEvent> = { time: 'a.occurred_at', id: 'a.id', timeOf: (row) => row.occurredAt };

/** Writes and reads the audit log. */
@Injectable()
export class AuditLog {
  private readonly logger = new Logger(AuditLog.name);

  constructor(@InjectRepository(AuditEvent) private readonly events: Repository<AuditEvent>) {}

  /**
   * Records what `caller` did, after it happened. A failed audit write is logged, not thrown:
   * the action has already taken effect, and failing its response would invite a duplicate.
   */
  async record(
    who: Caller | AuditActor,
    action: AuditAction,
    target: AuditTarget,
    details: Record<string, unknown> | null = null,
  ): Promise<void> {
    await this.recordMany([{ who, action, target, details }]);
  }

  /** Several rows in one INSERT (executions accepted together); failures are logged, as for one. */
  async recordMany(entries: AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    try {
      await bulkInsert(this.rowsFor(entries));
    } catch (error) {
      const actions = [...new Set(entries.map((entry) => entry.action))].join(', ');
      this.logger.error(`${entries.length} audit event(s) ${actions} could not be written: ${(error as Error).message}`);
    }
  }

  /** The rows of `entries`, for a caller that writes them together with its own (bulkInsert), all or nothing. */
  rowsFor(entries: AuditEntry[]): InsertSet<AuditEvent> {
    return { repository: this.events, entities: entries.map((entry) => toAuditEvent(entry)) };
  }

  /** Deletes up to `limit` of the oldest rows that occurred at or before `cutoff` (AUDIT_RETENTION); answers how many. */
  async deleteOccurredBefore(cutoff: Date, limit: number): Promise<number> {
    const rows = await this.events
      .createQueryBuilder('a')
      .select('a.id', 'id')
      .where('a.occurred_at <= :cutoff', { cutoff })
      .orderBy('a.occurred_at', 'ASC')
      .limit(limit)
      .getRawMany<{ id: string }>();
    if (rows.length === 0) return 0;
    const deleted = await this.events.delete({ id: In(rows.map((row) => row.id)) });
    return deleted.affected ?? rows.length;
  }

  /** Newest first, keyset-paged on (occurred_at, id). */
  async list(query: AuditQuery): Promise<AuditPage> {
    const qb = this.events.createQueryBuilder('a');
    if (query.actor) qb.andWhere('a.actor_name = :actor', { actor: query.actor });
    if (query.action) qb.andWhere('a.action = :action', { action: query.action });
    if (query.after) qb.andWhere('a.occurred_at > :after', { after: query.after });
    if (query.before) qb.andWhere('a.occurred_at < :before', { before: query.before });
    return readKeysetPage(qb, AUDIT_KEYS, { limit: query.limit, cursor: query.cursor, order: 'desc' });
  }
}

function toAuditEvent({ who, action, target, details }: AuditEntry): AuditEvent {
  const actor = 'principal' in who ? actorOf(who) : who;
  return {
    id: randomUUID(),
    occurredAt: new Date(),
    actorId: actor.id,
    actorName: actor.name.slice(0, 100),
    tokenId: actor.tokenId,
    clientAddress: actor.address?.slice(0, 64) ?? null,
    action,
    targetType: target.type,
    targetId: target.id,
    details: details ?? null,
  };
}
