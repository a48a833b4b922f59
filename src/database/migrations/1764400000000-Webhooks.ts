import { MigrationInterface, QueryRunner, Table, TableForeignKey } from 'typeorm';
import { ColumnTypes } from './column-types';

/**
 * Completion webhooks: the execution's `callback_url`, and the delivery log (one row per attempt),
 * which goes with its execution. The column is added with plain SQL: TypeORM's addColumn rebuilds
 * the table on SQLite, and with it the counting triggers.
 */
export class Webhooks1764400000000 implements MigrationInterface {
  name = 'Webhooks1764400000000';

  async up(runner: QueryRunner): Promise<void> {
    const t = new ColumnTypes(runner);
    await runner.query('ALTER TABLE executions ADD COLUMN callback_url varchar(2048)');
    // Terminal executions with a callback, by completion: the reconciler's look for lost deliveries.
    await runner.query('CREATE INDEX idx_executions_callback_completed ON executions (completed_at) WHERE callback_url IS NOT NULL');
    await runner.createTable(
      new Table({
        name: 'webhook_deliveries',
        columns: [
          t.id(),
          t.uuid('execution_id'),
          t.uuid('delivery_id'),
          { name: 'event', type: 'varchar', length: '64' },
          { name: 'attempt', type: 'integer' },
          { name: 'status_code', type: 'integer', isNullable: true },
          { name: 'error', type: 'text', isNullable: true },
          { ...t.time('created_at'), isNullable: false },
          t.time('delivered_at'),
        ],
        indices: [{ name: 'idx_webhook_deliveries_execution', columnNames: ['execution_id', 'created_at', 'attempt'] }],
        foreignKeys: [
          new TableForeignKey({
            columnNames: ['execution_id'],
            referencedTableName: 'executions',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
      }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('webhook_deliveries');
    await runner.query('DROP INDEX idx_executions_callback_completed');
    await runner.query('ALTER TABLE executions DROP COLUMN callback_url');
  }
}
