import { MigrationInterface, QueryRunner, Table, TableForeignKey, TableIndex } from 'typeorm';
import { ColumnTypes } from './column-types';

/**
 * The first schema. Written with the driver-neutral Table API so one migration serves SQLite and
 * PostgreSQL; only the time and id column types differ per driver.
 */
export class Initial1763900000000 implements MigrationInterface {
  name = 'Initial1763900000000';

  async up(runner: QueryRunner): Promise<void> {
    const t = new ColumnTypes(runner);

    await runner.createTable(
      new Table({
        name: 'principals',
        columns: [
          t.id(),
          { name: 'name', type: 'varchar', length: '100', isUnique: true },
          { name: 'kind', type: 'varchar', length: '16' },
          t.flag('is_admin'),
          t.flag('disabled'),
          t.createdAt(),
          t.updatedAt(),
        ],
      }),
    );

    await runner.createTable(
      new Table({
        name: 'groups',
        columns: [t.id(), { name: 'name', type: 'varchar', length: '100', isUnique: true }, t.createdAt()],
      }),
    );

    await runner.createTable(
      new Table({
        name: 'group_memberships',
        columns: [t.uuid('group_id', { isPrimary: true }), t.uuid('principal_id', { isPrimary: true }), t.createdAt()],
        indices: [{ name: 'idx_group_memberships_principal', columnNames: ['principal_id'] }],
        foreignKeys: [cascadeTo('groups', 'group_id'), cascadeTo('principals', 'principal_id')],
      }),
    );

    await runner.createTable(
      new Table({
        name: 'permission_grants',
        columns: [
          t.id(),
          { name: 'permission', type: 'varchar', length: '100' },
          t.uuid('principal_id', { isNullable: true }),
          t.uuid('group_id', { isNullable: true }),
          t.createdAt(),
        ],
        indices: [
          { name: 'uq_permission_grants_principal', columnNames: ['principal_id', 'permission'], isUnique: true },
          { name: 'uq_permission_grants_group', columnNames: ['group_id', 'permission'], isUnique: true },
        ],
        foreignKeys: [cascadeTo('principals', 'principal_id'), cascadeTo('groups', 'group_id')],
        checks: [{ name: 'chk_permission_grants_one_holder', expression: '(principal_id IS NULL) <> (group_id IS NULL)' }],
      }),
    );

    await runner.createTable(
      new Table({
        name: 'api_tokens',
        columns: [
          t.id(),
          t.uuid('principal_id'),
          { name: 'name', type: 'varchar', length: '100' },
          { name: 'token_hash', type: 'varchar', length: '64', isUnique: true },
          { name: 'prefix', type: 'varchar', length: '12' },
          { name: 'scopes', type: 'text', isNullable: true },
          t.time('expires_at'),
          t.time('last_used_at'),
          t.time('revoked_at'),
          t.createdAt(),
        ],
        indices: [{ name: 'idx_api_tokens_principal', columnNames: ['principal_id'] }],
        foreignKeys: [cascadeTo('principals', 'principal_id')],
      }),
    );

    await runner.createTable(
      new Table({
        name: 'executions',
        columns: [
          t.id(),
          { name: 'task_name', type: 'varchar', length: '200' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'args', type: 'text' },
          { name: 'kwargs', type: 'text' },
          { name: 'result', type: 'text', isNullable: true },
          { name: 'error', type: 'text', isNullable: true },
          { name: 'traceback', type: 'text', isNullable: true },
          { name: 'progress', type: 'integer', default: 0 },
          { name: 'stage', type: 'varchar', length: '200', isNullable: true },
          { name: 'total_items', type: 'integer', isNullable: true },
          { name: 'completed_items', type: 'integer', isNullable: true },
          { name: 'message', type: 'text', isNullable: true },
          { name: 'resource', type: 'varchar', length: '255', isNullable: true },
          t.uuid('owner_id'),
          { name: 'job_id', type: 'varchar', length: '64', isNullable: true },
          { name: 'attempts', type: 'integer', default: 0 },
          { name: 'max_attempts', type: 'integer', default: 1 },
          { name: 'priority', type: 'integer', isNullable: true },
          { name: 'queue', type: 'varchar', length: '64' },
          { name: 'timeout_ms', type: 'integer', isNullable: true },
          t.uuid('retried_from', { isNullable: true }),
          { name: 'idempotency_key', type: 'varchar', length: '255', isNullable: true },
          { name: 'idempotency_hash', type: 'varchar', length: '64', isNullable: true },
          t.time('cancel_requested_at'),
          { name: 'file_name', type: 'varchar', length: '255', isNullable: true },
          { name: 'file_size', type: 'integer', isNullable: true },
          { name: 'file_path', type: 'varchar', length: '1024', isNullable: true },
          t.time('enqueued_at'),
          { ...t.time('created_at'), isNullable: false },
          t.time('started_at'),
          t.time('completed_at'),
          t.updatedAt(),
          { name: 'duration_ms', type: 'integer', isNullable: true },
        ],
      }),
    );
    const executionIndexes: Array<[string, string[], boolean?]> = [
      // Lists page by (created_at, id); each filter offered has an index that leads with it,
      // with and without the owner that a non-admin's visibility adds.
      ['idx_executions_created', ['created_at', 'id']],
      ['idx_executions_owner_created', ['owner_id', 'created_at', 'id']],
      ['idx_executions_status_created', ['status', 'created_at', 'id']],
      ['idx_executions_owner_status_created', ['owner_id', 'status', 'created_at', 'id']],
      ['idx_executions_task_created', ['task_name', 'created_at', 'id']],
      ['idx_executions_owner_task_created', ['owner_id', 'task_name', 'created_at', 'id']],
      ['idx_executions_resource_created', ['resource', 'created_at', 'id']],
      ['idx_executions_owner_resource_created', ['owner_id', 'resource', 'created_at', 'id']],
      ['uq_executions_owner_idempotency', ['owner_id', 'idempotency_key'], true],
    ];
    for (const [name, columnNames, isUnique] of executionIndexes) {
      await runner.createIndex('executions', new TableIndex({ name, columnNames, isUnique }));
    }
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ['executions', 'api_tokens', 'permission_grants', 'group_memberships', 'groups', 'principals']) {
      await runner.dropTable(table);
    }
  }
}

function cascadeTo(table: string, column: string): TableForeignKey {
  return new TableForeignKey({ columnNames: [column], referencedTableName: table, referencedColumnNames: ['id'], onDelete: 'CASCADE' });
}
