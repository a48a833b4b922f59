import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { dataSourceOptions } from './data-source-options';
import { runMigrations } from './run-migrations';

export interface DatabaseModuleOptions {
  /** The server migrates at start; the CLI leaves that to its `migrate` command. */
  migrate: boolean;
}

@Module({})
export class DatabaseModule {
  static forRoot({ migrate }: DatabaseModuleOptions): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (config: AppConfig) => dataSourceOptions(config.databaseUrl),
          dataSourceFactory: async (options) => {
            const dataSource = await new DataSource(options!).initialize();
            if (migrate) await runMigrations(dataSource);
            return dataSource;
          },
        }),
      ],
    };
  }
}
