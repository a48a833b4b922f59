import type { DataSource } from 'typeorm';

/** Whether the data source is PostgreSQL (the hot writes take another statement there than on SQLite). */
export function isPostgres(dataSource: DataSource): boolean {
  return dataSource.driver.options.type === 'postgres';
}

/** The rows a statement returned on PostgreSQL (TypeORM's plain `query` answers [rows, count] for an UPDATE). */
export async function queryRows<T>(dataSource: DataSource, sql: string, parameters: unknown[]): Promise<T[]> {
  const runner = dataSource.createQueryRunner();
  try {
    return (await runner.query(sql, parameters, true)).records as T[];
  } finally {
    await runner.release();
  }
}
