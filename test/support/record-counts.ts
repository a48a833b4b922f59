import { INestApplication } from '@nestjs/common';
import { existsSync, readdirSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../src/config/app-config';

export type RecordCounts = Record<string, number>;

/**
 * Rows in every table the app maps (read from TypeORM's metadata, so a new entity is counted
 * without anyone adding it here) and files kept in STORAGE_DIR, in one round trip. The audit
 * log's `execution.execute_denied` rows are left out: SPEC'd denials are audited before the 403.
 */
export async function countRecords(app: INestApplication): Promise<RecordCounts> {
  const dataSource = app.get(DataSource);
  const tables = [...new Set(dataSource.entityMetadatas.map((entity) => entity.tableName))].sort();
  const selects = tables.map((table) => {
    const where = table === 'audit_events' ? ` WHERE action <> 'execution.execute_denied'` : '';
    return `(SELECT COUNT(*) FROM "${table}"${where}) AS "${table}"`;
  });
  const [row] = await dataSource.query<Array<Record<string, string | number>>>(`SELECT ${selects.join(', ')}`);
  const counts: RecordCounts = {};
  for (const table of tables) counts[table] = Number(row[table]);
  counts['files in STORAGE_DIR'] = countFiles(app.get(AppConfig).storageDir);
  return counts;
}

function countFiles(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir, { withFileTypes: true }).reduce(
    (sum, entry) => sum + (entry.isDirectory() ? countFiles(`${dir}/${entry.name}`) : 1),
    0,
  );
}
