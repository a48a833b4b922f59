// A gateway process with the reliability tasks, run from the current sources:
//   node -r ts-node/register/transpile-only test/reliability/support/reliability-node.ts
// Configured like the gateway; ROLE=api serves HTTP on PORT, ROLE=worker runs jobs (ROLE=all both).
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { AppModule } from '../../../src/app.module';
import { loadAppConfig } from '../../../src/config/load-app-config';
import { configureApp } from '../../../src/configure-app';
import { ReliabilityTasksModule } from './reliability-tasks';

async function main(): Promise<void> {
  const config = loadAppConfig();
  const module = AppModule.forRoot(config, { taskModules: [ReliabilityTasksModule] });
  if (!config.runsApi) {
    const worker = await NestFactory.createApplicationContext(module, { bufferLogs: true });
    worker.useLogger(worker.get(PinoLogger));
    worker.enableShutdownHooks();
  } else {
    const app = await NestFactory.create(module, { bodyParser: false, bufferLogs: true });
    app.useLogger(app.get(PinoLogger));
    configureApp(app, config);
    await app.listen(config.port, '127.0.0.1');
  }
  process.stdout.write(`reliability node ready: role ${config.role}, pid ${process.pid}\n`);
}

main().catch((error) => {
  process.stderr.write(`reliability node failed to start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
