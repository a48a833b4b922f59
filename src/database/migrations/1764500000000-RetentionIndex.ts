import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The retention sweep's lookup: finished executions of one task by completion time
 * (`task_name = ? AND status IN (<terminal>) AND completed_at <= ?`, oldest first). Partial, so
 * pending and running rows never enter it and a row is written into it once, when it finishes.
 * The condition is spelled exactly as the sweep spells it: both planners use a partial index only
 * when the query's WHERE implies the index's.
 *
 * And the files: a removed execution's upload is deleted once no other execution names its path
 * (a retry shares its original's); `file_path = ?` was a scan of the whole table for each file.
 * Partial too: only executions with an upload have a path.
 */
export class RetentionIndex1764500000000 implements MigrationInterface {
  name = 'RetentionIndex1764500000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      `CREATE INDEX idx_executions_finished_task_completed ON executions (task_name, completed_at) WHERE status IN ('completed', 'failed', 'cancelled', 'timeout')`,
    );
    await runner.query('CREATE INDEX idx_executions_file_path ON executions (file_path) WHERE file_path IS NOT NULL');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX idx_executions_file_path');
    await runner.query('DROP INDEX idx_executions_finished_task_completed');
  }
}
