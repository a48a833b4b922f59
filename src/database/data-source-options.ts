import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { Initial1763900000000 } from './migrations/1763900000000-Initial';
import { AuditEvents1764000000000 } from './migrations/1764000000000-AuditEvents';
import { PartialIndexes1764100000000 } from './migrations/1764100000000-PartialIndexes';
import { HotPath1764200000000 } from './migrations/1764200000000-HotPath';
import { ExecutionCounts1764300000000 } from './migrations/1764300000000-ExecutionCounts';
import { Webhooks1764400000000 } from './migrations/1764400000000-Webhooks';
import { RetentionIndex1764500000000 } from './migrations/1764500000000-RetentionIndex';
import { GrantConditions1764600000000 } from './migrations/1764600000000-GrantConditions';
import { ApprovalsAndQuotas1764700000000 } from './migrations/1764700000000-ApprovalsAndQuotas';

export const MIGRATIONS = [
  Initial1763900000000,
  AuditEvents1764000000000,
  PartialIndexes1764100000000,
  HotPath1764200000000,
  ExecutionCounts1764300000000,
  Webhooks1764400000000,
  RetentionIndex1764500000000,
  GrantConditions1764600000000,
  ApprovalsAndQuotas1764700000000,
];

/** TypeORM options for `sqlite:<path>` or `postgres://…`; migrations are run by `runMigrations`. */
export function dataSourceOptions(databaseUrl: string): DataSourceOptions {
  const common = { entities: ENTITIES, migrations: MIGRATIONS, migrationsRun: false, synchronize: false, logging: false } as const;
  if (databaseUrl.startsWith('sqlite:')) {
    const file = resolve(databaseUrl.slice('sqlite:'.length));
    mkdirSync(dirname(file), { recursive: true });
    return {
      ...common,
      type: 'better-sqlite3',
      database: file,
      // WAL lets readers run beside the one writer; the busy timeout lets several processes share the file.
      enableWAL: true,
      timeout: 10_000,
    };
  }
  return { ...common, type: 'postgres', url: databaseUrl, extra: { max: 10 } };
}
