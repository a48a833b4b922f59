import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Executions counted per owner, task and status, kept by triggers on every write of `executions`,
 * so statistics read a few rows (owners × tasks × statuses) instead of counting millions.
 *
 * PostgreSQL: statement-level triggers over the transition tables, one upsert per (owner, task,
 * status) a statement touches, taken in key order so that concurrent statements cannot deadlock on
 * the counters. SQLite (one writer at a time): row-level triggers.
 */
export class ExecutionCounts1764300000000 implements MigrationInterface {
  name = 'ExecutionCounts1764300000000';

  async up(runner: QueryRunner): Promise<void> {
    const postgres = runner.connection.options.type === 'postgres';
    await runner.query(`
      CREATE TABLE execution_counts (
        owner_id ${postgres ? 'uuid' : 'varchar(36)'} NOT NULL,
        task_name varchar(200) NOT NULL,
        status varchar(16) NOT NULL,
        count ${postgres ? 'bigint' : 'integer'} NOT NULL,
        PRIMARY KEY (owner_id, task_name, status)
      )`);
    // Processes of the previous version may be writing: no execution may land between the count
    // and the triggers (the lock is held until this migration's transaction commits; SQLite's
    // migration transaction already holds the one write lock).
    if (postgres) await runner.query('LOCK TABLE executions IN SHARE ROW EXCLUSIVE MODE');
    await runner.query(`
      INSERT INTO execution_counts (owner_id, task_name, status, count)
      SELECT owner_id, task_name, status, COUNT(*) FROM executions GROUP BY owner_id, task_name, status`);
    for (const statement of postgres ? POSTGRES_TRIGGERS : SQLITE_TRIGGERS) await runner.query(statement);
  }

  async down(runner: QueryRunner): Promise<void> {
    const postgres = runner.connection.options.type === 'postgres';
    for (const event of ['insert', 'update', 'delete'])
      await runner.query(`DROP TRIGGER execution_counts_${event}${postgres ? ' ON executions' : ''}`);
    if (postgres) await runner.query('DROP FUNCTION execution_counts_apply()');
    await runner.query('DROP TABLE execution_counts');
  }
}

/** Adds `delta` rows' worth of each (owner, task, status) in `source`, in key order. */
const pgUpsert = (source: string) => `
    INSERT INTO execution_counts AS c (owner_id, task_name, status, count)
    SELECT owner_id, task_name, status, SUM(delta) FROM (${source}) AS d
    GROUP BY owner_id, task_name, status HAVING SUM(delta) <> 0
    ORDER BY owner_id, task_name, status
    ON CONFLICT (owner_id, task_name, status) DO UPDATE SET count = c.count + EXCLUDED.count;`;

const ADDED = 'SELECT owner_id, task_name, status, 1 AS delta FROM new_rows';
const REMOVED = 'SELECT owner_id, task_name, status, -1 AS delta FROM old_rows';

const POSTGRES_TRIGGERS = [
  `CREATE FUNCTION execution_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP = 'INSERT' THEN ${pgUpsert(ADDED)}
    ELSIF TG_OP = 'UPDATE' THEN ${pgUpsert(`${ADDED} UNION ALL ${REMOVED}`)}
    ELSE ${pgUpsert(REMOVED)}
    END IF;
    RETURN NULL;
  END $$`,
  `CREATE TRIGGER execution_counts_insert AFTER INSERT ON executions
     REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION execution_counts_apply()`,
  `CREATE TRIGGER execution_counts_update AFTER UPDATE ON executions
     REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION execution_counts_apply()`,
  `CREATE TRIGGER execution_counts_delete AFTER DELETE ON executions
     REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION execution_counts_apply()`,
];

const sqliteAdd = (row: 'NEW' | 'OLD', delta: '+ 1' | '- 1') => `
    INSERT INTO execution_counts (owner_id, task_name, status, count) VALUES (${row}.owner_id, ${row}.task_name, ${row}.status, 0 ${delta})
    ON CONFLICT (owner_id, task_name, status) DO UPDATE SET count = count ${delta};`;

const SQLITE_TRIGGERS = [
  `CREATE TRIGGER execution_counts_insert AFTER INSERT ON executions BEGIN ${sqliteAdd('NEW', '+ 1')} END`,
  `CREATE TRIGGER execution_counts_update AFTER UPDATE OF status, owner_id, task_name ON executions
     WHEN OLD.status IS NOT NEW.status OR OLD.owner_id IS NOT NEW.owner_id OR OLD.task_name IS NOT NEW.task_name
     BEGIN ${sqliteAdd('OLD', '- 1')} ${sqliteAdd('NEW', '+ 1')} END`,
  `CREATE TRIGGER execution_counts_delete AFTER DELETE ON executions BEGIN ${sqliteAdd('OLD', '- 1')} END`,
];
