import { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import IORedis from 'ioredis';
import request from 'supertest';
import { existsSync, readFileSync } from 'node:fs';
import { Logger as PinoLogger } from 'nestjs-pino';
import { AppModule } from '../../src/app.module';
import { AppConfig } from '../../src/config/app-config';
import { configureApp } from '../../src/configure-app';
import { testConfig } from './test-config';

export interface TestApp {
  app: INestApplication;
  config: AppConfig;
  /** supertest bound to the app's HTTP server. */
  http: () => ReturnType<typeof request>;
  close(): Promise<void>;
}

/** The real AppModule with the same HTTP setup as `main.ts`, on a real database and Redis. */
export async function createTestApp(
  options: { env?: Record<string, string>; config?: AppConfig; taskModules?: Array<Type | DynamicModule> } = {},
): Promise<TestApp> {
  const config = options.config ?? testConfig(options.env);
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot(config, { taskModules: options.taskModules })],
  }).compile();
  const app = moduleRef.createNestApplication({ bodyParser: false, bufferLogs: true });
  app.useLogger(app.get(PinoLogger));
  configureApp(app, config);
  try {
    await app.init();
  } catch (error) {
    // A start refused (a bad setting) still opened connections: close them, or the test run never exits.
    await app.close().catch(() => undefined);
    await deleteQueueKeys(config);
    throw error;
  }
  const server = app.getHttpServer();
  return {
    app,
    config,
    http: () => request(server),
    close: async () => {
      await app.close();
      await deleteQueueKeys(config);
      assertNoTokenLogged(config.logFile);
    },
  };
}

/** Removes every Redis key under this app's queue prefix. */
export async function deleteQueueKeys(config: AppConfig): Promise<void> {
  const redis = new IORedis(config.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${config.queuePrefix}:*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } catch {
    // Redis may be the thing a test took away; nothing to clean then.
  } finally {
    redis.disconnect();
  }
}

const TOKEN = /tgw_[A-Za-z0-9_-]{40}/;

/** Every suite's logs are read back: a token in them fails the suite. */
export function assertNoTokenLogged(logFile: string): void {
  if (!logFile || !existsSync(logFile)) return;
  const match = readFileSync(logFile, 'utf8').match(TOKEN);
  if (match) throw new Error(`a token was logged in ${logFile}: ${match[0].slice(0, 8)}…`);
}
