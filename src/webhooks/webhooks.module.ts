import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CallbackUrlPolicy } from './callback-url-policy';
import { HostResolver } from './host-resolver';
import { WebhookDelivery } from './webhook-delivery.entity';
import { WebhookQueue } from './webhook-queue';

/** What every process needs of webhooks: the URL policy, the delivery queue (producer) and the log. */
@Module({
  imports: [TypeOrmModule.forFeature([WebhookDelivery])],
  providers: [HostResolver, CallbackUrlPolicy, WebhookQueue],
  exports: [TypeOrmModule, CallbackUrlPolicy, WebhookQueue],
})
export class WebhooksModule {}
