import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { sendWebhook } from './webhook-sender';

describe(sendWebhook.name, () => {
  let server: Server;
  let port: number;
  const seen: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  let answer: (respond: (status: number) => void) => void;

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        seen.push({ headers: request.headers, body: Buffer.concat(chunks).toString() });
        answer((status) => response.writeHead(status).end());
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('connects to the checked address while the URL’s host names the request', async () => {
    answer = (respond) => respond(204);
    // No DNS knows this name: the request can only arrive through the pinned address.
    const url = new URL(`http://pinned.invalid:${port}/hook?x=1`);
    const status = await sendWebhook({ url, address: '127.0.0.1' }, { 'x-taskgate-event': 'execution.finished' }, '{"a":1}');
    expect(status).toBe(204);
    expect(seen.at(-1)).toEqual({
      headers: expect.objectContaining({
        host: `pinned.invalid:${port}`,
        'content-type': 'application/json',
        'content-length': '7',
        'x-taskgate-event': 'execution.finished',
      }),
      body: '{"a":1}',
    });
  });

  it('answers the receiver’s status, 2xx or not', async () => {
    answer = (respond) => respond(503);
    expect(await sendWebhook({ url: new URL(`http://127.0.0.1:${port}/`), address: '127.0.0.1' }, {}, '{}')).toBe(503);
  });

  it('gives up on a receiver that does not answer in time', async () => {
    answer = () => undefined; // never answers
    await expect(sendWebhook({ url: new URL(`http://127.0.0.1:${port}/`), address: '127.0.0.1' }, {}, '{}', 200)).rejects.toThrow(
      'no answer within 200 ms',
    );
  });
});
