import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ApiToken } from './api-token.entity';

/** `last_used_at` is exact to this much; finer would cost a write per request. */
export const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Keeps `api_tokens.last_used_at` current without a database write on every request: a token is
 * written at most once per resolution window, in the background, off the request's path.
 */
@Injectable()
export class LastUsedTracker {
  private readonly logger = new Logger(LastUsedTracker.name);
  private readonly writtenAt = new Map<string, number>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  touch(token: Pick<ApiToken, 'id' | 'lastUsedAt'>, now = new Date()): void {
    const last = Math.max(token.lastUsedAt?.getTime() ?? 0, this.writtenAt.get(token.id) ?? 0);
    if (now.getTime() - last < LAST_USED_RESOLUTION_MS) return;
    this.writtenAt.set(token.id, now.getTime());
    if (this.writtenAt.size > 10_000) this.writtenAt.clear();
    // Without listeners: bookkeeping, not an identity change that should empty every cache.
    this.dataSource
      .createQueryBuilder()
      .update(ApiToken)
      .set({ lastUsedAt: now })
      .where('id = :id', { id: token.id })
      .callListeners(false)
      .execute()
      .catch((error: Error) => this.logger.warn(`could not record token use: ${error.message}`));
  }
}
