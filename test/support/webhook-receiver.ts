import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  /** The raw body, as signed. */
  body: string;
  path: string;
}

/**
 * A webhook receiver on 127.0.0.1: records every request (and every connection, even one that
 * never becomes a request), answering the statuses it is told, then 200.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  connections = 0;
  private readonly statuses: number[] = [];
  private readonly server: Server;

  constructor() {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), path: request.url ?? '' });
        response.statusCode = this.statuses.shift() ?? 200;
        response.end('ok');
      });
    });
    this.server.on('connection', () => this.connections++);
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** The next requests are answered with these statuses, in order. */
  answerWith(...statuses: number[]): void {
    this.statuses.push(...statuses);
  }

  to(path: string): ReceivedWebhook[] {
    return this.received.filter((hook) => hook.path === path);
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Checks `X-Taskgate-Signature` as a receiver should: HMAC of "<t>.<raw body>", compared in constant time. */
export function signatureIsValid(secret: string, header: string | undefined, body: string): { valid: boolean; t: number } {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!match) return { valid: false, t: 0 };
  const expected = createHmac('sha256', secret).update(`${match[1]}.${body}`).digest();
  return { valid: timingSafeEqual(expected, Buffer.from(match[2], 'hex')), t: Number(match[1]) };
}
