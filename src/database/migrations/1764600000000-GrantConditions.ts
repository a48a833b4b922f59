import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SPEC 7.7: a grant may carry conditions on the request (`kwargs.<field>`, `resource`), as JSON
 * text like the executions' kwargs. Nullable: every existing grant stays unconditional.
 */
export class GrantConditions1764600000000 implements MigrationInterface {
  name = 'GrantConditions1764600000000';

  async up(runner: QueryRunner): Promise<void> {
    // Plain ALTER TABLE on both databases: TypeORM's addColumn rebuilds the whole table on SQLite.
    await runner.query('ALTER TABLE permission_grants ADD COLUMN conditions text');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE permission_grants DROP COLUMN conditions');
  }
}
