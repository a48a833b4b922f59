import { QueryFailedError } from 'typeorm';

const UNIQUE_VIOLATIONS = ['23505', 'SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY'];

/**
 * True when a write failed on a unique constraint, on SQLite or PostgreSQL: through TypeORM, or
 * straight from the driver (bulkInsert's prepared statements on SQLite).
 */
export function isUniqueViolation(error: unknown): boolean {
  const driverError = (error instanceof QueryFailedError ? error.driverError : error) as { code?: unknown } | null | undefined;
  return typeof driverError?.code === 'string' && UNIQUE_VIOLATIONS.includes(driverError.code);
}
