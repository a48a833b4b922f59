import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { ColumnTypes } from './column-types';

/**
 * The audit log, and an index for walking retry chains forwards. Audit rows carry names and ids
 * as plain values, without foreign keys, so they outlive what they describe.
 */
export class AuditEvents1764000000000 implements MigrationInterface {
  name = 'AuditEvents1764000000000';

  async up(runner: QueryRunner): Promise<void> {
    const t = new ColumnTypes(runner);
    await runner.createTable(
      new Table({
        name: 'audit_events',
        columns: [
          t.id(),
          { ...t.time('occurred_at'), isNullable: false },
          t.uuid('actor_id', { isNullable: true }),
          { name: 'actor_name', type: 'varchar', length: '100' },
          t.uuid('token_id', { isNullable: true }),
          { name: 'client_address', type: 'varchar', length: '64', isNullable: true },
          { name: 'action', type: 'varchar', length: '64' },
          { name: 'target_type', type: 'varchar', length: '32', isNullable: true },
          { name: 'target_id', type: 'varchar', length: '200', isNullable: true },
          { name: 'details', type: 'text', isNullable: true },
        ],
        indices: [
          { name: 'idx_audit_events_occurred', columnNames: ['occurred_at', 'id'] },
          { name: 'idx_audit_events_actor_occurred', columnNames: ['actor_name', 'occurred_at', 'id'] },
          { name: 'idx_audit_events_action_occurred', columnNames: ['action', 'occurred_at', 'id'] },
        ],
      }),
    );
    await runner.createIndex('executions', new TableIndex({ name: 'idx_executions_retried_from', columnNames: ['retried_from'] }));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropIndex('executions', 'idx_executions_retried_from');
    await runner.dropTable('audit_events');
  }
}
