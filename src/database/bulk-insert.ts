import { ObjectLiteral, Repository } from 'typeorm';
import { isPostgres, queryRows, sqliteConnection } from './sqlite-connection';

/**
 * Inserts entities without TypeORM's query builder, whose cost grows with rows × columns on the
 * hottest write of the gateway. Only the columns some entity has a value for are sent (the others
 * take their defaults), each value converted as TypeORM would store it. PostgreSQL: one multi-row
 * INSERT. SQLite: one prepared statement run per row, in one transaction. All or nothing.
 */
export async function bulkInsert<T extends ObjectLiteral>(repository: Repository<T>, entities: T[]): Promise<void> {
  if (entities.length === 0) return;
  const { metadata } = repository;
  const dataSource = repository.manager.connection;
  const { driver } = dataSource;
  const columns = metadata.columns.filter((column) => entities.some((entity) => column.getEntityValue(entity) != null));
  const names = columns.map((column) => driver.escape(column.databaseName)).join(', ');
  const rows = entities.map((entity) =>
    columns.map((column): unknown => driver.preparePersistentValue(column.getEntityValue(entity) ?? null, column)),
  );
  const table = driver.escape(metadata.tableName);
  if (isPostgres(dataSource)) {
    let n = 0;
    const tuples = rows.map((row) => `(${row.map(() => `$${++n}`).join(', ')})`).join(', ');
    await queryRows(dataSource, `INSERT INTO ${table} (${names}) VALUES ${tuples}`, rows.flat());
    return;
  }
  const sqlite = sqliteConnection(dataSource);
  const insert = sqlite.statement(`INSERT INTO ${table} (${names}) VALUES (${columns.map(() => '?').join(', ')})`);
  sqlite.transaction(() => rows.forEach((row) => insert.run(...row.map(toSqliteValue))));
}

/** better-sqlite3 binds numbers, strings, bigints, buffers and null; TypeORM leaves booleans as they are. */
function toSqliteValue(value: unknown): unknown {
  return typeof value === 'boolean' ? Number(value) : value;
}
