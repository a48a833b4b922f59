import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { InvalidInputError } from '../common/domain-errors';
import { HostResolver } from './host-resolver';
import { blockedRange } from './private-address';

/** Where a delivery connects: the URL, and the one checked address it must connect to. */
export interface CallbackTarget {
  url: URL;
  address: string;
}

/**
 * A callback URL the gateway may not call; the message says why. `lasting`: false when trying
 * again later may succeed (the host did not resolve), so a delivery retries it.
 */
export class CallbackRefused extends Error {
  constructor(
    message: string,
    readonly lasting = true,
  ) {
    super(message);
  }
}

/**
 * Which callback URLs the gateway may call: http(s) only, `https:` unless WEBHOOK_ALLOW_PRIVATE,
 * and a host all of whose addresses are public unless WEBHOOK_ALLOW_PRIVATE. Checked when the
 * execution is submitted and again before each delivery attempt, which then connects to the
 * address checked here (no second lookup a rebinding DNS answer could turn inwards).
 */
@Injectable()
export class CallbackUrlPolicy {
  constructor(
    private readonly config: AppConfig,
    private readonly resolver: HostResolver,
  ) {}

  /** At submission: a 400 naming the problem, or nothing. */
  async checkSubmission(callbackUrl: string): Promise<void> {
    if (!this.config.webhookSecret) throw new InvalidInputError(['callback_url: webhooks are not configured (WEBHOOK_SECRET is not set)']);
    try {
      await this.target(callbackUrl);
    } catch (error) {
      if (error instanceof CallbackRefused) throw new InvalidInputError([`callback_url ${error.message}`]);
      throw error;
    }
  }

  /** At delivery: the checked target, or CallbackRefused. */
  async target(callbackUrl: string): Promise<CallbackTarget> {
    const url = parseHttpUrl(callbackUrl);
    if (url.protocol === 'http:' && !this.config.webhookAllowPrivate) {
      throw new CallbackRefused('must use https: (plain http: only with WEBHOOK_ALLOW_PRIVATE=true)');
    }
    const addresses = await this.resolve(url.hostname);
    if (!this.config.webhookAllowPrivate) {
      for (const address of addresses) {
        const range = blockedRange(address);
        if (range) throw new CallbackRefused(`host ${url.hostname} resolves to a ${range} address (${address}), which is not allowed`);
      }
    }
    return { url, address: addresses[0] };
  }

  private async resolve(hostname: string): Promise<string[]> {
    let addresses: string[];
    try {
      addresses = await this.resolver.resolve(hostname);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new CallbackRefused(`host ${hostname} could not be resolved (${reason})`, false);
    }
    if (addresses.length === 0) throw new CallbackRefused(`host ${hostname} has no address`, false);
    return addresses;
  }
}

function parseHttpUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CallbackRefused('must be an absolute http(s) URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new CallbackRefused(`must be an http(s) URL, not ${url.protocol}`);
  if (!url.hostname) throw new CallbackRefused('must name a host');
  return url;
}
