/** The delivery queue. A leading underscore: no task's queue can have this name (QUEUE_PATTERN). */
export const WEBHOOK_QUEUE = '_webhooks';

/** `execution.finished` when it ends (SPEC 7.3); `execution.awaiting_approval` when it starts waiting for approval (SPEC 7.11). */
export type WebhookEvent = 'execution.finished' | 'execution.awaiting_approval';

/** One delivery: its id and body are fixed when it is enqueued and stay the same on every attempt. */
export interface WebhookJobData {
  deliveryId: string;
  executionId: string;
  event: WebhookEvent;
  url: string;
  /** The raw JSON body, signed as is on every attempt. */
  body: string;
}

/** One delivery per execution and event: adding it again while the first is kept is a no-op. */
export const webhookJobId = (executionId: string, event: WebhookEvent) => `${event.replace('.', '-')}-${executionId}`;
