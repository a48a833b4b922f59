import { QueryRunner, TableColumnOptions } from 'typeorm';

/** Column shapes whose SQL type depends on the driver. */
export class ColumnTypes {
  private readonly postgres: boolean;

  constructor(runner: QueryRunner) {
    this.postgres = runner.connection.options.type === 'postgres';
  }

  id(): TableColumnOptions {
    return this.uuid('id', { isPrimary: true });
  }

  uuid(name: string, extra: Partial<TableColumnOptions> = {}): TableColumnOptions {
    return { name, type: this.postgres ? 'uuid' : 'varchar', length: this.postgres ? undefined : '36', ...extra };
  }

  flag(name: string): TableColumnOptions {
    return { name, type: 'boolean', default: false };
  }

  time(name: string): TableColumnOptions {
    return { name, type: this.postgres ? 'timestamptz' : 'datetime', isNullable: true };
  }

  createdAt(): TableColumnOptions {
    return { ...this.time('created_at'), isNullable: false, default: this.now() };
  }

  updatedAt(): TableColumnOptions {
    return { ...this.time('updated_at'), isNullable: false, default: this.now() };
  }

  /** SQLite's `datetime('now')` drops milliseconds; strftime keeps them. */
  private now(): string {
    return this.postgres ? 'now()' : "(strftime('%Y-%m-%d %H:%M:%f', 'now'))";
  }
}
