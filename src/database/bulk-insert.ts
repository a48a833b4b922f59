import { ObjectLiteral, Repository } from 'typeorm';
import { isPostgres, queryRows } from './raw-query';
import { sqliteConnection } from './sqlite-connection';

/** Entities to insert into one repository's table. */
export interface InsertSet<T extends ObjectLiteral = ObjectLiteral> {
  repository: Repository<T>;
  entities: T[];
}

/** PostgreSQL's limit of bind parameters in one statement. */
const MAX_PARAMETERS = 65_535;

interface PreparedInsert {
  table: string;
  names: string;
  rows: unknown[][];
}

/**
 * Inserts entities without TypeORM's query builder, whose cost grows with rows × columns on the
 * hottest writes of the gateway. Only the columns some entity has a value for are sent (the others
 * take their defaults), each value converted as TypeORM would store it. Several sets (the
 * executions and their audit rows) are written together, all or nothing: on PostgreSQL one
 * statement (the first inserts as data-modifying CTEs), or, past its 65 535 bind parameters, several
 * in one transaction; on SQLite one prepared statement per row and table, in one transaction. All
 * sets must belong to one data source.
 */
export async function bulkInsert(...sets: InsertSet[]): Promise<void> {
  const inserts = sets.filter((set) => set.entities.length > 0).map(prepare);
  if (inserts.length === 0) return;
  const dataSource = sets[0].repository.manager.connection;
  if (isPostgres(dataSource)) {
    const parameters = inserts.reduce((sum, insert) => sum + insert.rows.length * insert.rows[0].length, 0);
    if (parameters <= MAX_PARAMETERS) {
      const { sql, values } = postgresStatement(inserts);
      await queryRows(dataSource, sql, values);
    } else {
      // Over PostgreSQL's limit for one statement: several, in one transaction.
      await dataSource.transaction(async (manager) => {
        for (const piece of inserts.flatMap(splitForPostgres)) {
          const { sql, values } = postgresStatement([piece]);
          await manager.query(sql, values);
        }
      });
    }
    return;
  }
  const sqlite = sqliteConnection(dataSource);
  const statements = inserts.map(({ table, names, rows }) => ({
    insert: sqlite.statement(`INSERT INTO ${table} (${names}) VALUES (${rows[0].map(() => '?').join(', ')})`),
    rows,
  }));
  sqlite.transaction(() => statements.forEach(({ insert, rows }) => rows.forEach((row) => insert.run(...row))));
}

/** One statement: the first inserts as data-modifying CTEs of the last. */
function postgresStatement(inserts: PreparedInsert[]): { sql: string; values: unknown[] } {
  let n = 0;
  const statements = inserts.map(
    ({ table, names, rows }) =>
      `INSERT INTO ${table} (${names}) VALUES ${rows.map((row) => `(${row.map(() => `$${++n}`).join(', ')})`).join(', ')}`,
  );
  const last = statements.pop()!;
  const sql =
    statements.length === 0 ? last : `WITH ${statements.map((statement, i) => `written_${i} AS (${statement})`).join(', ')} ${last}`;
  return { sql, values: inserts.flatMap((insert) => insert.rows.flat()) };
}

function splitForPostgres(insert: PreparedInsert): PreparedInsert[] {
  const perStatement = Math.floor(MAX_PARAMETERS / insert.rows[0].length);
  const pieces: PreparedInsert[] = [];
  for (let i = 0; i < insert.rows.length; i += perStatement) pieces.push({ ...insert, rows: insert.rows.slice(i, i + perStatement) });
  return pieces;
}

function prepare({ repository, entities }: InsertSet): PreparedInsert {
  const { metadata } = repository;
  const { driver } = repository.manager.connection;
  const columns = metadata.columns.filter((column) => entities.some((entity) => column.getEntityValue(entity) != null));
  return {
    table: driver.escape(metadata.tableName),
    names: columns.map((column) => driver.escape(column.databaseName)).join(', '),
    rows: entities.map((entity) =>
      columns.map((column): unknown => driver.preparePersistentValue(column.getEntityValue(entity) ?? null, column)),
    ),
  };
}
