import { ApiProperty } from '@nestjs/swagger';
import type { WebhookDelivery } from '../../webhooks/webhook-delivery.entity';

/** One delivery attempt of a completion webhook (`GET /executions/{id}/deliveries`). */
export class WebhookDeliveryDto {
  @ApiProperty({ format: 'uuid', description: 'this attempt' }) id: string;
  @ApiProperty({ format: 'uuid', description: 'the `X-Taskgate-Delivery` header: the same on every attempt of one delivery' })
  delivery_id: string;
  @ApiProperty({ example: 'execution.finished' }) event: string;
  @ApiProperty({ minimum: 1, example: 1, description: '1 for the first attempt, then 2, 3, …' }) attempt: number;
  @ApiProperty({ type: Number, nullable: true, example: 500, description: 'the receiver’s status; null when it did not answer' })
  status_code: number | null;
  @ApiProperty({ type: String, nullable: true, example: 'the receiver answered 500', description: 'null once delivered' })
  error: string | null;
  @ApiProperty({ format: 'date-time', description: 'when the attempt started' }) created_at: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'when the receiver answered 2xx' })
  delivered_at: string | null;
}

export function toWebhookDeliveryDto(d: WebhookDelivery): WebhookDeliveryDto {
  return {
    id: d.id,
    delivery_id: d.deliveryId,
    event: d.event,
    attempt: d.attempt,
    status_code: d.statusCode,
    error: d.error,
    created_at: d.createdAt.toISOString(),
    delivered_at: d.deliveredAt?.toISOString() ?? null,
  };
}
