import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntitySubscriberInterface, InsertEvent, QueryRunner, RemoveEvent, TransactionCommitEvent, UpdateEvent } from 'typeorm';
import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata';
import { ApiToken } from './api-token.entity';
import { GroupMembership } from './group-membership.entity';
import { Group } from './group.entity';
import { IdentityChanges } from './identity-changes';
import { PermissionGrant } from './permission-grant.entity';
import { Principal } from './principal.entity';

const IDENTITY_ENTITIES: readonly EntityTarget[] = [Principal, Group, GroupMembership, PermissionGrant, ApiToken];
/** Set on a query runner whose open transaction wrote an identity entity. */
type EntityTarget = abstract new (...args: never[]) => object;
const PENDING = Symbol('identity change pending');

/**
 * Every write of a principal, group, membership, grant or token through TypeORM, in any process,
 * announces an identity change, so no code path can forget to. Inside a transaction it waits for
 * the commit (announced earlier, another process could cache what the transaction is about to
 * replace). Writes made with `callListeners(false)` (the token's `last_used_at`) are not changes.
 */
@Injectable()
export class IdentityWriteSubscriber implements EntitySubscriberInterface {
  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly changes: IdentityChanges,
  ) {
    dataSource.subscribers.push(this);
  }

  afterInsert(event: InsertEvent<unknown>): Promise<void> | void {
    return this.wrote(event.metadata, event.queryRunner);
  }

  afterUpdate(event: UpdateEvent<unknown>): Promise<void> | void {
    return this.wrote(event.metadata, event.queryRunner);
  }

  afterRemove(event: RemoveEvent<unknown>): Promise<void> | void {
    return this.wrote(event.metadata, event.queryRunner);
  }

  afterTransactionCommit(event: TransactionCommitEvent): Promise<void> | void {
    const data = event.queryRunner.data as Record<symbol, boolean>;
    if (!data[PENDING]) return;
    delete data[PENDING];
    return this.changes.changed();
  }

  afterTransactionRollback(event: TransactionCommitEvent): void {
    delete (event.queryRunner.data as Record<symbol, boolean>)[PENDING];
  }

  private wrote(metadata: EntityMetadata, runner: QueryRunner): Promise<void> | void {
    if (!IDENTITY_ENTITIES.includes(metadata.target as EntityTarget)) return;
    if (!runner.isTransactionActive) return this.changes.changed();
    (runner.data as Record<symbol, boolean>)[PENDING] = true;
  }
}
