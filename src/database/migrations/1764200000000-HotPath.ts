import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `enqueued_at` was a second write of every new execution, read by nobody: the reconciler asks
 * BullMQ whether a job exists rather than trusting a note that the add happened.
 */
export class HotPath1764200000000 implements MigrationInterface {
  name = 'HotPath1764200000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE executions DROP COLUMN enqueued_at');
  }

  async down(runner: QueryRunner): Promise<void> {
    const type = runner.connection.driver.options.type === 'postgres' ? 'timestamptz' : 'datetime';
    await runner.query(`ALTER TABLE executions ADD COLUMN enqueued_at ${type} NULL`);
  }
}
