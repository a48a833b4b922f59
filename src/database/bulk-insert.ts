import { ObjectLiteral, Repository } from 'typeorm';
import { isPostgres, queryRows } from './raw-query';
import { sqliteConnection } from './sqlite-connection';

/** Entities to insert into one repository's table. */
export interface InsertSet<T extends ObjectLiteral = ObjectLiteral> {
  repository: Repository<T>;
  entities: T[];
}

interface PreparedInsert {
  table: string;
  /** The columns sent, as the database names them. */
  columns: string[];
  names: string;
  rows: unknown[][];
}

/**
 * Inserts entities without TypeORM's query builder, whose cost grows with rows × columns on the
 * hottest writes of the gateway. Only the columns some entity has a value for are sent (the others
 * take their defaults), each value converted as TypeORM would store it. Several sets (the
 * executions and their audit rows) are written together, all or nothing: on PostgreSQL one
 * statement (the first inserts as data-modifying CTEs), each table's rows as one JSON parameter
 * that `json_populate_recordset` turns into rows of the table's own column types (a thousand rows
 * are two parameters to parse and plan, not thirty thousand); on SQLite one prepared statement per
 * row and table, in one transaction. All sets must belong to one data source.
 */
export async function bulkInsert(...sets: InsertSet[]): Promise<void> {
  const inserts = sets.filter((set) => set.entities.length > 0).map(prepare);
  if (inserts.length === 0) return;
  const dataSource = sets[0].repository.manager.connection;
  if (isPostgres(dataSource)) {
    const { sql, values } = postgresStatement(inserts);
    await queryRows(dataSource, sql, values);
    return;
  }
  const sqlite = sqliteConnection(dataSource);
  const statements = inserts.map(({ table, names, rows }) => ({
    insert: sqlite.statement(`INSERT INTO ${table} (${names}) VALUES (${rows[0].map(() => '?').join(', ')})`),
    rows,
  }));
  sqlite.transaction(() => statements.forEach(({ insert, rows }) => rows.forEach((row) => insert.run(...row))));
}

/** One statement: the first inserts as data-modifying CTEs of the last; one JSON array of rows per table. */
function postgresStatement(inserts: PreparedInsert[]): { sql: string; values: unknown[] } {
  const statements = inserts.map(
    ({ table, names }, i) => `INSERT INTO ${table} (${names}) SELECT ${names} FROM json_populate_recordset(NULL::${table}, $${i + 1})`,
  );
  const last = statements.pop()!;
  const sql =
    statements.length === 0 ? last : `WITH ${statements.map((statement, i) => `written_${i} AS (${statement})`).join(', ')} ${last}`;
  const values = inserts.map(({ columns, rows }) =>
    JSON.stringify(rows.map((row) => Object.fromEntries(columns.map((column, i) => [column, row[i]])))),
  );
  return { sql, values };
}

function prepare({ repository, entities }: InsertSet): PreparedInsert {
  const { metadata } = repository;
  const { driver } = repository.manager.connection;
  const columns = metadata.columns.filter((column) => entities.some((entity) => column.getEntityValue(entity) != null));
  return {
    table: driver.escape(metadata.tableName),
    columns: columns.map((column) => column.databaseName),
    names: columns.map((column) => driver.escape(column.databaseName)).join(', '),
    rows: entities.map((entity) =>
      columns.map((column): unknown => driver.preparePersistentValue(column.getEntityValue(entity) ?? null, column)),
    ),
  };
}
