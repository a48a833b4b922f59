import { Column } from 'typeorm';

/**
 * A point in time. The entity leaves the SQL type to the driver; the migrations create
 * `timestamptz` on PostgreSQL and `datetime` (UTC text) on SQLite.
 */
export function TimestampColumn(name: string): PropertyDecorator {
  return Column({ name, type: Date, nullable: true });
}
