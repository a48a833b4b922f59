import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { InvalidInputError } from '../common/domain-errors';

/** Commands other than `migrate` refuse to run on a database that is not migrated. */
@Injectable()
export class MigrationsReady {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async check(): Promise<void> {
    if (await this.dataSource.showMigrations()) {
      throw new InvalidInputError(['the database has pending migrations: run `npm run cli -- migrate` first']);
    }
  }
}
