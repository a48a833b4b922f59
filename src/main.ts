import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { AppConfig } from './config/app-config';
import { ConfigError } from './config/config-error';
import { loadAppConfig } from './config/load-app-config';
import { configureApp } from './configure-app';
import { probeRedis, redactRedisUrl } from './queue/redis-connection';

async function bootstrap(): Promise<void> {
  const config = readConfigOrExit();
  await checkRedisOrExit(config);
  if (!config.runsApi) {
    const worker = await NestFactory.createApplicationContext(AppModule.forRoot(config), { bufferLogs: true });
    worker.useLogger(worker.get(PinoLogger));
    worker.enableShutdownHooks();
    new Logger('main').log(`worker started (ROLE=${config.role})`);
    return;
  }
  const app = await NestFactory.create(AppModule.forRoot(config), { bodyParser: false, bufferLogs: true });
  app.useLogger(app.get(PinoLogger));
  configureApp(app, config);
  await app.listen(config.port);
  new Logger('main').log(`taskgate listening on http://localhost:${config.port} (ROLE=${config.role})`);
}

function readConfigOrExit(): AppConfig {
  try {
    return loadAppConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`taskgate: invalid configuration: ${error.message}\n`);
    process.exit(2);
  }
}

async function checkRedisOrExit(config: AppConfig): Promise<void> {
  try {
    await probeRedis(config.redisUrl);
  } catch (error) {
    process.stderr.write(
      `taskgate: cannot reach Redis at ${redactRedisUrl(config.redisUrl)} (${(error as Error).message}); ` +
        `start it (for example: redis-server --daemonize yes) or set REDIS_URL\n`,
    );
    process.exit(1);
  }
}

// A setting only the started application can check (COMPAT_UPLOAD_TASK names a registered task) stops it like the others.
bootstrap().catch((error: unknown) => {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`taskgate: invalid configuration: ${error.message}\n`);
  process.exit(2);
});
