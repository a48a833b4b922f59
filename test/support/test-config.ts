import { Client } from 'pg';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig } from '../../src/config/app-config';
import { loadAppConfig } from '../../src/config/load-app-config';

/** The database this run uses: `TEST_DATABASE_URL` (set by scripts/test-all.sh) or a fresh SQLite file. */
export function testDatabaseUrl(): string {
  return (
    process.env.TEST_DATABASE_URL || `sqlite:${join(tmpdir(), `taskgate-e2e-${process.pid}-${randomBytes(4).toString('hex')}.sqlite`)}`
  );
}

export function testRedisUrl(): string {
  return process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/** Environment for a gateway under test: its own queue prefix, so runs never share jobs. */
export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: testDatabaseUrl(),
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: `tgtest-${randomBytes(5).toString('hex')}`,
    BOOTSTRAP_ADMIN: 'false',
    // Logs go to a file per app at debug level, so every suite can check that no token was logged.
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'debug',
    LOG_FILE: join(tmpdir(), `taskgate-logs-${process.pid}-${randomBytes(4).toString('hex')}.log`),
    STORAGE_DIR: join(tmpdir(), `taskgate-e2e-uploads-${process.pid}`),
    // No retention sweep unless a spec turns it on: on CI's shared PostgreSQL database a sweep with
    // the default RETENTION (30d) in any suite's app would delete the old finished executions other
    // suites seed and assert on. test/retention.e2e-spec.ts sweeps on purpose, with a clock of its own.
    RETENTION_SWEEP_MS: '0',
    // No approval timeout sweep either unless a spec turns it on (test/approvals.e2e-spec.ts does):
    // its queries in the background would be seen by specs that count the queries a request makes.
    APPROVAL_SWEEP_MS: '0',
    // A key per app, so the demo's sensitive task (demo.notify) is registered like every other.
    SECRETS_KEY: randomBytes(32).toString('base64'),
    ...overrides,
  };
}

export function testConfig(overrides: Record<string, string> = {}): AppConfig {
  return loadAppConfig(testEnv(overrides));
}

/** A database nobody has used: a new SQLite file, or a new PostgreSQL database beside the run's own. */
export async function createEmptyDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = process.env.TEST_DATABASE_URL;
  if (!base)
    return {
      url: `sqlite:${join(tmpdir(), `taskgate-empty-${process.pid}-${randomBytes(4).toString('hex')}.sqlite`)}`,
      drop: async () => undefined,
    };
  const name = `tg_empty_${randomBytes(5).toString('hex')}`;
  const admin = new Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new Client({ connectionString: base });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
