import { Module } from '@nestjs/common';
import { WebhookDeliverer } from './webhook-deliverer';
import { WebhookWorker } from './webhook-worker';
import { WebhooksModule } from './webhooks.module';

/** The delivery worker; loaded with the worker role (WorkerModule). */
@Module({
  imports: [WebhooksModule],
  providers: [WebhookDeliverer, WebhookWorker],
})
export class WebhookWorkerModule {}
