import type { IncomingMessage } from 'node:http';

/** Express's compiled `trust proxy` setting: may the address at this hop vouch for the one before? */
export type ProxyTrust = (address: string, hop: number) => boolean;

/**
 * The client's address as Express's `req.ip` finds it, for requests Express never sees (WebSocket
 * upgrades): from the socket back through `X-Forwarded-For` while each hop is a trusted proxy.
 */
export function clientAddress(request: IncomingMessage, trust: ProxyTrust): string | undefined {
  const forwarded = String(request.headers['x-forwarded-for'] ?? '')
    .split(',')
    .map((address) => address.trim())
    .filter(Boolean)
    .reverse();
  const chain = [request.socket.remoteAddress ?? '', ...forwarded];
  let hop = 0;
  while (hop < chain.length - 1 && trust(chain[hop], hop)) hop++;
  return chain[hop] || undefined;
}
