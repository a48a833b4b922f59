import { INestApplicationContext, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppModule } from '../src/app.module';
import { TokenAuthGuard } from '../src/auth/token-auth.guard';
import { ExecutionsService } from '../src/executions/executions.service';
import { ExecutionsController } from '../src/executions-api/executions.controller';
import { TasksController } from '../src/executions-api/tasks.controller';
import { ExecutionFeed } from '../src/executions/execution-feed';
import { ExecutionsGateway } from '../src/live/executions.gateway';
import { LiveSessions } from '../src/live/live-sessions';
import { WorkerProbeServer } from '../src/metrics/worker-probe-server';
import { ExecutionReconciler } from '../src/reconciler/execution-reconciler';
import { CancelListener } from '../src/worker/cancel-listener';
import { ExecutionWorkers } from '../src/worker/execution-workers';
import { ExecutionWebhooks } from '../src/executions/execution-webhooks';
import { CallbackUrlPolicy } from '../src/webhooks/callback-url-policy';
import { WebhookWorker } from '../src/webhooks/webhook-worker';
import { deleteQueueKeys } from './support/test-app';
import { testConfig } from './support/test-config';

const API_ONLY: Type[] = [TasksController, ExecutionsController, ExecutionsGateway, ExecutionFeed, LiveSessions, TokenAuthGuard];
const WORKER_ONLY: Type[] = [ExecutionWorkers, CancelListener, WebhookWorker];
const EVERYWHERE: Type[] = [ExecutionsService, ExecutionReconciler, ExecutionWebhooks, CallbackUrlPolicy];

/** A process is the modules its ROLE chooses: nothing of the API in a worker, nothing of the worker in an API. */
describe('process roles (e2e)', () => {
  const has = (app: INestApplicationContext, type: Type) => {
    try {
      app.get(type, { strict: false });
      return true;
    } catch {
      return false;
    }
  };

  it.each([
    ['worker', [...WORKER_ONLY, WorkerProbeServer, ...EVERYWHERE], API_ONLY],
    ['api', [...API_ONLY, ...EVERYWHERE], [...WORKER_ONLY, WorkerProbeServer]],
    ['all', [...API_ONLY, ...WORKER_ONLY, ...EVERYWHERE], [WorkerProbeServer]],
  ] as const)('ROLE=%s loads its modules and no others', async (role, loaded, absent) => {
    const storage = join(tmpdir(), `taskgate-role-${randomBytes(4).toString('hex')}`);
    const config = testConfig({ ROLE: role, STORAGE_DIR: storage, RECONCILE_INTERVAL_MS: '0', PORT: '0' });
    const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), { logger: false });
    try {
      await app.init();
      expect(loaded.filter((type) => !has(app, type)).map((type) => type.name)).toEqual([]);
      expect(absent.filter((type) => has(app, type)).map((type) => type.name)).toEqual([]);
      // Only a process serving uploads makes their folder (the interceptor is an API part).
      if (role === 'worker') expect(existsSync(storage)).toBe(false);
    } finally {
      await app.close();
      await deleteQueueKeys(config);
    }
  });
});
