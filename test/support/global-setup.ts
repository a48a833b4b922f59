import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import IORedis from 'ioredis';
import { testRedisUrl } from './test-config';

/** Fails fast with a clear message when Redis is missing, and builds dist/ for the process tests. */
export default async function globalSetup(): Promise<void> {
  const redis = new IORedis(testRedisUrl(), { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(`the e2e tests need Redis at ${testRedisUrl()}: ${(error as Error).message}`, { cause: error });
  } finally {
    redis.disconnect();
  }
  const root = join(__dirname, '..', '..');
  if (!existsSync(join(root, 'dist', 'main.js')) || !existsSync(join(root, 'dist', 'cli.js'))) {
    execSync('npm run --silent build', { cwd: root, stdio: 'inherit' });
  }
}
