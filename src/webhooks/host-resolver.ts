import { Injectable } from '@nestjs/common';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/**
 * Every address a host name stands for (the system resolver, as a connection would use it).
 * A provider of its own so tests can make a name resolve where they need it.
 */
@Injectable()
export class HostResolver {
  async resolve(hostname: string): Promise<string[]> {
    const host = hostname.replace(/^\[(.*)\]$/, '$1');
    if (isIP(host)) return [host];
    const addresses = await lookup(host, { all: true, verbatim: true });
    return addresses.map((entry) => entry.address);
  }
}
