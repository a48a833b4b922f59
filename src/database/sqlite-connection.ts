import type { DataSource } from 'typeorm';

/** What the hot writes use of better-sqlite3 (no type package is installed for it). */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): Record<string, unknown> | undefined;
}

export interface SqliteConnection {
  /** A compiled statement, cached by its text for the life of the connection. */
  statement(sql: string): SqliteStatement;
  /** Runs `body` in one transaction, synchronously: no other query can interleave with it. */
  transaction<T>(body: () => T): T;
}

interface BetterSqlite3Database {
  prepare(sql: string): SqliteStatement;
  transaction<T>(body: () => T): () => T;
}

const connections = new WeakMap<object, SqliteConnection>();

/**
 * The better-sqlite3 connection TypeORM holds (it keeps exactly one), for writes that are cheaper
 * as prepared statements in one synchronous transaction than through the query builder.
 */
export function sqliteConnection(dataSource: DataSource): SqliteConnection {
  const database = (dataSource.driver as unknown as { databaseConnection: BetterSqlite3Database }).databaseConnection;
  let connection = connections.get(database);
  if (!connection) {
    const statements = new Map<string, SqliteStatement>();
    connection = {
      statement: (sql) => {
        let statement = statements.get(sql);
        if (!statement) statements.set(sql, (statement = database.prepare(sql)));
        return statement;
      },
      transaction: (body) => database.transaction(body)(),
    };
    connections.set(database, connection);
  }
  return connection;
}
