import { request as httpRequest } from 'node:http';
import WebSocket from 'ws';
import { pollUntil } from './wait-for';

export interface SseEvent {
  id?: string;
  event?: string;
  data: Record<string, any>;
}

export interface SseStream {
  status: Promise<number>;
  events: SseEvent[];
  comments: string[];
  ended: Promise<void>;
  close(): void;
}

/** A minimal EventSource for tests: records each event as it arrives, with its `id:` and `event:`. */
export function openSse(port: number, path: string, token: string | null, lastEventId?: string): SseStream {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let resolveStatus!: (status: number) => void;
  let resolveEnded!: () => void;
  const status = new Promise<number>((resolve) => (resolveStatus = resolve));
  const ended = new Promise<void>((resolve) => (resolveEnded = resolve));
  const headers: Record<string, string> = { Accept: 'text/event-stream' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (lastEventId) headers['Last-Event-ID'] = lastEventId;
  const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
    resolveStatus(res.statusCode ?? 0);
    let buffer = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let cut;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const event: Partial<SseEvent> & { dataLines: string[] } = { dataLines: [] };
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) comments.push(line.slice(1).trim());
          else if (line.startsWith('id: ')) event.id = line.slice(4);
          else if (line.startsWith('event: ')) event.event = line.slice(7);
          else if (line.startsWith('data: ')) event.dataLines.push(line.slice(6));
        }
        if (event.dataLines.length > 0) events.push({ id: event.id, event: event.event, data: JSON.parse(event.dataLines.join('\n')) });
      }
    });
    res.on('end', resolveEnded);
    res.on('close', resolveEnded);
  });
  req.on('error', () => {
    resolveStatus(0);
    resolveEnded();
  });
  req.end();
  return { status, events, comments, ended, close: () => req.destroy() };
}

export interface WsClient {
  socket: WebSocket;
  messages: Array<Record<string, any>>;
  send(message: object): void;
  waitFor(predicate: (message: Record<string, any>) => boolean, timeoutMs?: number): Promise<Record<string, any>>;
  close(): void;
}

/** Opens `path` (default `/api/v1/ws`); resolves once open, or rejects with the HTTP status of a refused upgrade. */
export function openWs(
  port: number,
  auth: { header?: string; query?: string; protocols?: string[] } = {},
  path = '/api/v1/ws',
): Promise<WsClient> {
  const url = `ws://127.0.0.1:${port}${path}${auth.query !== undefined ? `?token=${encodeURIComponent(auth.query)}` : ''}`;
  const socket = new WebSocket(url, auth.protocols ?? [], { headers: auth.header ? { Authorization: auth.header } : {} });
  const messages: Array<Record<string, any>> = [];
  socket.on('message', (raw: Buffer) => messages.push(JSON.parse(raw.toString('utf8'))));
  const client: WsClient = {
    socket,
    messages,
    send: (message) => socket.send(JSON.stringify(message)),
    waitFor: async (predicate, timeoutMs = 15_000) => {
      const found = await pollUntil(
        () => messages.find(predicate),
        (message) => message !== undefined,
        { timeoutMs, intervalMs: 20 },
      ).catch(() => {
        throw new Error(`no matching WebSocket message in ${timeoutMs} ms; got ${JSON.stringify(messages)}`);
      });
      return found!;
    },
    close: () => socket.close(),
  };
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(client));
    socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    socket.once('error', reject);
  });
}
