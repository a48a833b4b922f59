// A worker process with the fixture tasks: `node -r ts-node/register/transpile-only test/support/fixture-worker.ts`.
// Configured by the same environment variables as the gateway (ROLE is forced to worker).
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { AppModule } from '../../src/app.module';
import { loadAppConfig } from '../../src/config/load-app-config';
import { FixtureTasksModule } from './fixture-tasks';

async function main(): Promise<void> {
  const config = loadAppConfig({ ...process.env, ROLE: 'worker' });
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config, { taskModules: [FixtureTasksModule] }), {
    bufferLogs: true,
  });
  app.useLogger(app.get(PinoLogger));
  app.enableShutdownHooks();
  process.stdout.write('fixture worker ready\n');
}

void main();
