import { request as httpRequest, RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, LookupFunction } from 'node:net';
import type { CallbackTarget } from './callback-url-policy';

/** How long a receiver has to answer, connection included. */
export const DELIVERY_TIMEOUT_MS = 10_000;
/** The most of a receiver's answer read (and then dropped). */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * POSTs the body to the target's checked address: the `lookup` option hands the socket that
 * address, so the URL's host still names the request (Host header, TLS SNI and certificate check).
 * Answers the status code; rejects on a refused connection, a TLS failure or the timeout.
 */
export function sendWebhook(
  target: CallbackTarget,
  headers: Record<string, string>,
  body: string,
  timeoutMs = DELIVERY_TIMEOUT_MS,
): Promise<number> {
  const { url, address } = target;
  const family = isIP(address);
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
  const options: RequestOptions = {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    lookup: pinned,
    signal: AbortSignal.timeout(timeoutMs),
    // No connection reuse: each attempt connects to the address checked for it.
    agent: false,
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(url, options, (response) => {
      let read = 0;
      response.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > MAX_RESPONSE_BYTES) response.destroy();
      });
      response.on('close', () => resolve(response.statusCode ?? 0));
      response.on('error', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', (error: Error) => reject(error.name === 'AbortError' ? new Error(`no answer within ${timeoutMs} ms`) : error));
    request.end(body);
  });
}
