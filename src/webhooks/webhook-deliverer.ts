import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Job, UnrecoverableError } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { Repository } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { maskId } from '../logging/redaction';
import { CallbackRefused, CallbackUrlPolicy } from './callback-url-policy';
import { WebhookDelivery } from './webhook-delivery.entity';
import { WebhookJobData } from './webhook-job';
import { sendWebhook } from './webhook-sender';
import { webhookSignature } from './webhook-signature';

const MAX_ERROR_CHARS = 1000;

/**
 * One delivery attempt: check the URL again (it may now resolve elsewhere), sign, POST to the
 * checked address, and log the attempt. A non-2xx answer, a timeout, a connection error or a host
 * that does not resolve is thrown so BullMQ retries with backoff; a URL the policy now refuses
 * (it resolves to a private address, or http: is no longer allowed) is not retried.
 */
@Injectable()
export class WebhookDeliverer {
  private readonly logger = new Logger(WebhookDeliverer.name);

  constructor(
    private readonly config: AppConfig,
    private readonly policy: CallbackUrlPolicy,
    @InjectRepository(WebhookDelivery) private readonly deliveries: Repository<WebhookDelivery>,
  ) {}

  async deliver(job: Job<WebhookJobData>): Promise<void> {
    const { data } = job;
    const attempt = Math.max(1, job.attemptsStarted);
    const startedAt = new Date();
    let statusCode: number | null = null;
    let problem: string | null = null;
    let final = false;
    try {
      if (!this.config.webhookSecret) throw new Error('WEBHOOK_SECRET is not set in the process delivering it');
      const target = await this.policy.target(data.url);
      statusCode = await sendWebhook(
        target,
        {
          'user-agent': 'taskgate-webhooks',
          'x-taskgate-event': data.event,
          'x-taskgate-delivery': data.deliveryId,
          'x-taskgate-signature': webhookSignature(this.config.webhookSecret, data.body),
        },
        data.body,
      );
      if (statusCode < 200 || statusCode > 299) problem = `the receiver answered ${statusCode}`;
    } catch (error) {
      final = error instanceof CallbackRefused && error.lasting;
      problem = error instanceof CallbackRefused ? `${final ? 'refused: ' : ''}callback_url ${error.message}` : describe(error);
    }
    await this.log(data, attempt, startedAt, statusCode, problem);
    if (problem === null) return;
    this.logger.warn(`webhook ${data.event} of execution ${maskId(data.executionId)}, attempt ${attempt}: ${problem}`);
    if (final) throw new UnrecoverableError(problem);
    throw new Error(problem);
  }

  /** The delivery log is a record of what happened: a failure to write it does not change the outcome. */
  private async log(data: WebhookJobData, attempt: number, startedAt: Date, statusCode: number | null, problem: string | null) {
    try {
      await this.deliveries.insert({
        id: randomUUID(),
        executionId: data.executionId,
        deliveryId: data.deliveryId,
        event: data.event,
        attempt,
        statusCode,
        error: problem?.slice(0, MAX_ERROR_CHARS) ?? null,
        createdAt: startedAt,
        deliveredAt: problem === null ? new Date() : null,
      });
    } catch (error) {
      // The execution may have been deleted meanwhile (its log goes with it).
      this.logger.warn(`attempt ${attempt} of a webhook of execution ${maskId(data.executionId)} not logged: ${(error as Error).message}`);
    }
  }
}

function describe(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
