import { Injectable } from '@nestjs/common';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** How long a resolution may take before the URL counts as unresolvable (an execute waits for it). */
const LOOKUP_TIMEOUT_MS = 5000;

/**
 * Every address a host name stands for (the system resolver, as a connection would use it: hosts
 * file included). A provider of its own so tests can make a name resolve where they need it.
 */
@Injectable()
export class HostResolver {
  async resolve(hostname: string): Promise<string[]> {
    const host = hostname.replace(/^\[(.*)\]$/, '$1');
    if (isIP(host)) return [host];
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error('DNS lookup timed out'), { code: 'ETIMEOUT' })), LOOKUP_TIMEOUT_MS);
    });
    try {
      const addresses = await Promise.race([lookup(host, { all: true, verbatim: true }), timeout]);
      return addresses.map((entry) => entry.address);
    } finally {
      clearTimeout(timer);
    }
  }
}
