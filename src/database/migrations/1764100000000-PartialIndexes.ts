import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';

/** The indexes on columns most executions leave empty, each with the condition that keeps those rows out. */
const PARTIAL: Array<{ name: string; columnNames: string[]; where: string; isUnique?: boolean }> = [
  { name: 'idx_executions_resource_created', columnNames: ['resource', 'created_at', 'id'], where: '"resource" IS NOT NULL' },
  {
    name: 'idx_executions_owner_resource_created',
    columnNames: ['owner_id', 'resource', 'created_at', 'id'],
    where: '"resource" IS NOT NULL',
  },
  { name: 'idx_executions_retried_from', columnNames: ['retried_from'], where: '"retried_from" IS NOT NULL' },
  {
    name: 'uq_executions_owner_idempotency',
    columnNames: ['owner_id', 'idempotency_key'],
    where: '"idempotency_key" IS NOT NULL',
    isUnique: true,
  },
];

/**
 * Every row version of an execution (insert, claim, outcome: `status` is indexed, so none is a HOT
 * update) wrote an entry into each of ten indexes, four of them for columns that are usually
 * null. Partial, those four hold only the rows that have a value: the same lookups (`resource = …`,
 * `retried_from = …` and the idempotency key imply IS NOT NULL), a third less index work a row.
 */
export class PartialIndexes1764100000000 implements MigrationInterface {
  name = 'PartialIndexes1764100000000';

  async up(runner: QueryRunner): Promise<void> {
    for (const index of PARTIAL) {
      await runner.dropIndex('executions', index.name);
      await runner.createIndex('executions', new TableIndex(index));
    }
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const { where: _where, ...index } of PARTIAL) {
      await runner.dropIndex('executions', index.name);
      await runner.createIndex('executions', new TableIndex(index));
    }
  }
}
