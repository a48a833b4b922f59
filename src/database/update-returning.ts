import { ObjectLiteral, Repository } from 'typeorm';

/** A value to set, or raw SQL for it (`() => 'attempts + 1'`), as in TypeORM's `.set()`. */
export type SetValues<T> = { [K in keyof T]?: T[K] | (() => string) };

/**
 * `UPDATE … SET … WHERE … RETURNING *` in one statement on both drivers, the rows hydrated into
 * entities: a conditional update and the read of what it changed, without a second round trip.
 * TypeORM's own `.returning()` is PostgreSQL-only, though SQLite has had RETURNING since 3.35.
 * `where` is SQL on column names with `:named` parameters.
 */
export async function updateReturning<T extends ObjectLiteral>(
  repository: Repository<T>,
  set: SetValues<T>,
  where: string,
  parameters: Record<string, unknown>,
): Promise<T[]> {
  const { metadata } = repository;
  const { driver } = repository.manager.connection;
  const values: Record<string, unknown> = { ...parameters };
  const assignments = Object.entries(set).map(([property, value]) => {
    const column = metadata.findColumnWithPropertyName(property);
    if (!column) throw new Error(`${metadata.name} has no column ${property}`);
    if (typeof value === 'function') return `${driver.escape(column.databaseName)} = ${(value as () => string)()}`;
    values[`set_${property}`] = driver.preparePersistentValue(value, column);
    return `${driver.escape(column.databaseName)} = :set_${property}`;
  });
  const sql = `UPDATE ${driver.escape(metadata.tableName)} SET ${assignments.join(', ')} WHERE ${where} RETURNING *`;
  const [query, bound] = driver.escapeQueryWithParameters(sql, values);
  const runner = repository.manager.connection.createQueryRunner();
  try {
    const result = await runner.query(query, bound, true);
    return (result.records as Record<string, unknown>[]).map((row) => hydrateRow(repository, row));
  } finally {
    await runner.release();
  }
}

/** An entity from a row as the driver returned it (column names, database values). */
export function hydrateRow<T extends ObjectLiteral>(repository: Repository<T>, row: Record<string, unknown>): T {
  const { driver } = repository.manager.connection;
  const entity = repository.create();
  for (const column of repository.metadata.columns) {
    if (column.databaseName in row) column.setEntityValue(entity, driver.prepareHydratedValue(row[column.databaseName], column));
  }
  return entity;
}
