import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { maskId } from '../logging/redaction';
import { Caller } from '../permissions/caller';
import { WebhookDelivery } from '../webhooks/webhook-delivery.entity';
import { WebhookEvent } from '../webhooks/webhook-job';
import { webhookJobOf } from './execution-webhook-job';
import { WebhookQueue } from '../webhooks/webhook-queue';
import { Execution } from './execution.entity';
import { isTerminal, TERMINAL_STATUSES } from './execution-status';
import { ExecutionsService } from './executions.service';

/** How far back the reconciler looks for terminal executions whose delivery was never enqueued. */
export const LOST_DELIVERY_LOOKBACK_MS = 24 * 3600 * 1000;
const LOST_DELIVERY_PAGE = 200;

/**
 * The executions' side of completion webhooks: when a record turns terminal (whoever wrote it,
 * every such write is published through ExecutionEventsPublisher.changed), its delivery is
 * enqueued with the record rendered as `GET /executions/{id}` shows it.
 */
@Injectable()
export class ExecutionWebhooks {
  private readonly logger = new Logger(ExecutionWebhooks.name);

  constructor(
    @InjectRepository(Execution) private readonly executions: Repository<Execution>,
    @InjectRepository(WebhookDelivery) private readonly deliveries: Repository<WebhookDelivery>,
    private readonly queue: WebhookQueue,
    private readonly submissions: ExecutionsService,
  ) {}

  /** Called for every status change; never throws (a delivery not enqueued is found by the reconciler). */
  changed(execution: Execution): void {
    if (!execution.callbackUrl || !isTerminal(execution.status)) return;
    this.enqueue(execution, 'execution.finished').catch((error: Error) =>
      this.logger.warn(`webhook of execution ${maskId(execution.id)} not enqueued (the reconciler will): ${error.message}`),
    );
  }

  /** One delivery of `event` with the record as it is now; a second one of the same event is not added while the first is kept. */
  enqueue(execution: Execution, event: WebhookEvent): Promise<void> {
    return this.queue.add(webhookJobOf(execution, event));
  }

  /**
   * Closes the gap between a write and the enqueue of its delivery (a crash, Redis away): terminal
   * executions with a callback, finished between `since` and `cutoff`, and executions still
   * awaiting approval created then (SPEC 7.11), with no attempt of that event logged and no
   * delivery job in Redis, are enqueued (again). Answers how many.
   */
  async enqueueLost(cutoff: Date, since = new Date(cutoff.getTime() - LOST_DELIVERY_LOOKBACK_MS)): Promise<number> {
    const finished = await this.withoutDelivery('execution.finished', 'e.completedAt', [...TERMINAL_STATUSES], since, cutoff);
    const awaiting = await this.withoutDelivery('execution.awaiting_approval', 'e.createdAt', ['awaiting_approval'], since, cutoff);
    let enqueued = 0;
    for (const [event, candidates] of [
      ['execution.finished', finished],
      ['execution.awaiting_approval', awaiting],
    ] as const) {
      for (const execution of candidates) {
        if ((await this.queue.state(execution.id, event)) !== 'unknown') continue;
        await this.enqueue(execution, event);
        enqueued++;
      }
    }
    return enqueued;
  }

  private withoutDelivery(event: WebhookEvent, at: string, statuses: string[], since: Date, cutoff: Date): Promise<Execution[]> {
    return this.executions
      .createQueryBuilder('e')
      .where('e.callbackUrl IS NOT NULL')
      .andWhere(`${at} > :since AND ${at} <= :cutoff`, { since, cutoff })
      .andWhere('e.status IN (:...statuses)', { statuses })
      .andWhere(`NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.execution_id = e.id AND d.event = :event)`, { event })
      .orderBy(at, 'ASC')
      .take(LOST_DELIVERY_PAGE)
      .getMany();
  }

  /** The delivery log of an execution the caller may read, oldest attempt first. */
  async deliveriesOf(caller: Caller, id: string): Promise<WebhookDelivery[]> {
    await this.submissions.findVisible(caller, id);
    return this.deliveries.find({ where: { executionId: id }, order: { createdAt: 'ASC', attempt: 'ASC' } });
  }
}
