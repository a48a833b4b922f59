import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../database/timestamp-column';

/** One attempt to deliver a webhook: the delivery log of `GET /executions/{id}/deliveries`. */
@Entity('webhook_deliveries')
@Index('idx_webhook_deliveries_execution', ['executionId', 'createdAt', 'attempt'])
export class WebhookDelivery {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'execution_id', type: 'uuid' })
  executionId: string;

  /** `X-Taskgate-Delivery`: the same on every attempt of one delivery. */
  @Column({ name: 'delivery_id', type: 'uuid' })
  deliveryId: string;

  @Column({ type: 'varchar', length: 64 })
  event: string;

  @Column({ type: 'integer' })
  attempt: number;

  @Column({ name: 'status_code', type: 'integer', nullable: true })
  statusCode: number | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  /** When the attempt started. */
  @Column({ name: 'created_at', type: Date })
  createdAt: Date;

  /** When the receiver answered 2xx; null for a failed attempt. */
  @TimestampColumn('delivered_at')
  deliveredAt: Date | null;
}
