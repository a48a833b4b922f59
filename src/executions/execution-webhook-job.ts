import { randomUUID } from 'node:crypto';
import type { WebhookEvent, WebhookJobData } from '../webhooks/webhook-job';
import { toExecutionDto } from './dto/execution.dto';
import type { Execution } from './execution.entity';

/** The delivery of `event` for `execution` (which has a callback URL), with the record as `GET /executions/{id}` shows it now. */
export function webhookJobOf(execution: Execution, event: WebhookEvent): WebhookJobData {
  return {
    deliveryId: randomUUID(),
    executionId: execution.id,
    event,
    url: execution.callbackUrl!,
    body: JSON.stringify({ event, execution: toExecutionDto(execution) }),
  };
}
