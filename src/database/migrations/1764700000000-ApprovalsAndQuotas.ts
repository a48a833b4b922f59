import { MigrationInterface, QueryRunner, Table, TableForeignKey } from 'typeorm';
import { ColumnTypes } from './column-types';

/**
 * SPEC 7.11-7.13. Grants may require approval and carry a quota; tokens may carry a quota (JSON
 * text, nullable: nothing existing changes). A holder may hold a permission twice, once to run at
 * once and once through approval ("small things at once, big ones after a second person agrees"),
 * so the grants' uniqueness takes the outcome in. Executions record how they were authorized and,
 * while awaiting approval, what they wait for and until when; votes have their own table.
 * `awaiting_approval` is 17 characters: the status columns widen on PostgreSQL (SQLite does not
 * enforce lengths). Columns are added with plain SQL: TypeORM's addColumn rebuilds tables on
 * SQLite, and with them the counting triggers.
 */
export class ApprovalsAndQuotas1764700000000 implements MigrationInterface {
  name = 'ApprovalsAndQuotas1764700000000';

  async up(runner: QueryRunner): Promise<void> {
    const t = new ColumnTypes(runner);
    const postgres = runner.connection.options.type === 'postgres';
    if (postgres) {
      await runner.query('ALTER TABLE executions ALTER COLUMN status TYPE varchar(32)');
      await runner.query('ALTER TABLE execution_counts ALTER COLUMN status TYPE varchar(32)');
    }
    await runner.query('ALTER TABLE permission_grants ADD COLUMN approval text');
    await runner.query('ALTER TABLE permission_grants ADD COLUMN quota text');
    await runner.query(`ALTER TABLE permission_grants ADD COLUMN outcome varchar(16) NOT NULL DEFAULT 'run'`);
    await runner.query('DROP INDEX uq_permission_grants_principal');
    await runner.query('DROP INDEX uq_permission_grants_group');
    await runner.query('CREATE UNIQUE INDEX uq_permission_grants_principal ON permission_grants (principal_id, permission, outcome)');
    await runner.query('CREATE UNIQUE INDEX uq_permission_grants_group ON permission_grants (group_id, permission, outcome)');
    await runner.query('ALTER TABLE api_tokens ADD COLUMN quota text');
    await runner.query('ALTER TABLE executions ADD COLUMN authorized_by text');
    await runner.query('ALTER TABLE executions ADD COLUMN approval text');
    await runner.query(`ALTER TABLE executions ADD COLUMN approval_deadline ${postgres ? 'timestamptz' : 'datetime'}`);
    // The timeout sweep's lookup: only executions still awaiting enter it.
    await runner.query(
      `CREATE INDEX idx_executions_approval_deadline ON executions (approval_deadline) WHERE status = 'awaiting_approval'`,
    );
    await runner.createTable(
      new Table({
        name: 'execution_votes',
        columns: [
          t.id(),
          t.uuid('execution_id'),
          t.uuid('principal_id'),
          { name: 'principal_name', type: 'varchar', length: '100' },
          { name: 'decision', type: 'varchar', length: '16' },
          { name: 'comment', type: 'text', isNullable: true },
          { ...t.time('created_at'), isNullable: false },
        ],
        indices: [{ name: 'uq_execution_votes_principal', columnNames: ['execution_id', 'principal_id'], isUnique: true }],
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
    const postgres = runner.connection.options.type === 'postgres';
    await runner.dropTable('execution_votes');
    await runner.query('DROP INDEX idx_executions_approval_deadline');
    for (const column of ['approval_deadline', 'approval', 'authorized_by'])
      await runner.query(`ALTER TABLE executions DROP COLUMN ${column}`);
    await runner.query('ALTER TABLE api_tokens DROP COLUMN quota');
    await runner.query(`DELETE FROM permission_grants WHERE outcome <> 'run'`);
    await runner.query('DROP INDEX uq_permission_grants_principal');
    await runner.query('DROP INDEX uq_permission_grants_group');
    await runner.query('CREATE UNIQUE INDEX uq_permission_grants_principal ON permission_grants (principal_id, permission)');
    await runner.query('CREATE UNIQUE INDEX uq_permission_grants_group ON permission_grants (group_id, permission)');
    for (const column of ['outcome', 'quota', 'approval']) await runner.query(`ALTER TABLE permission_grants DROP COLUMN ${column}`);
    if (postgres) {
      await runner.query(`UPDATE executions SET status = 'cancelled' WHERE status = 'awaiting_approval'`);
      await runner.query('ALTER TABLE execution_counts ALTER COLUMN status TYPE varchar(16)');
      await runner.query('ALTER TABLE executions ALTER COLUMN status TYPE varchar(16)');
    }
  }
}
