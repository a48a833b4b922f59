import { DataSource, Migration } from 'typeorm';

/** Arbitrary constant: the PostgreSQL advisory lock that serialises migrations across processes. */
const MIGRATION_LOCK_KEY = 7_318_204_551;

/**
 * Runs pending migrations. On PostgreSQL several processes may start at once, so they take turns
 * through an advisory lock; a SQLite file is serialised by its own write lock.
 */
export async function runMigrations(dataSource: DataSource): Promise<Migration[]> {
  if (dataSource.options.type !== 'postgres') {
    return dataSource.runMigrations({ transaction: 'each' });
  }
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      return await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}
