import { InjectDataSource } from '@nestjs/typeorm';
import { Command, CommandRunner } from 'nest-commander';
import { DataSource } from 'typeorm';
import { runMigrations } from '../database/run-migrations';
import { cliOutput } from './cli-output';

@Command({ name: 'migrate', description: 'Apply pending database migrations' })
export class MigrateCommand extends CommandRunner {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    super();
  }

  async run(): Promise<void> {
    const applied = await runMigrations(this.dataSource);
    if (applied.length === 0) cliOutput.result('database is up to date');
    for (const migration of applied) cliOutput.result(`applied ${migration.name}`);
  }
}
