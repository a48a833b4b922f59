import { Logger, OnModuleDestroy } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import type { WebSocket } from 'ws';
import { ExecutionFeed } from '../executions/execution-feed';
import type { Caller } from '../permissions/caller';
import type { AuthenticatedRequest } from './authenticated-ws.adapter';
import { type ExecutionChange, toExecutionChange } from '../executions/execution-event';
import { ExecutionsService } from '../executions/executions.service';
import { LiveSessions, sameView } from './live-sessions';
import { NATIVE_DIALECT, type SocketDialect } from './socket-dialect';
import type { WsInbound } from './ws-messages';

export const MAX_SUBSCRIPTIONS_PER_SOCKET = 100;
/** A socket with more unsent data than this is too slow to follow: it is dropped, not buffered. */
export const MAX_BUFFERED_BYTES = 1024 * 1024;
export const PING_INTERVAL_MS = 30_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Client {
  caller: Caller;
  dialect: SocketDialect;
  subscriptions: Map<string, () => void>;
  alive: boolean;
  /** Stops LiveSessions from following the socket. */
  forget: () => void;
}

/** `/api/v1/ws`: subscribe to executions, receive `task_update` for each change. */
@WebSocketGateway({ path: '/api/v1/ws' })
export class ExecutionsGateway implements OnGatewayConnection, OnGatewayDisconnect, OnModuleDestroy {
  private readonly logger = new Logger(ExecutionsGateway.name);
  private readonly clients = new Map<WebSocket, Client>();
  private readonly heartbeat = setInterval(() => this.ping(), PING_INTERVAL_MS);

  constructor(
    private readonly executions: ExecutionsService,
    private readonly feed: ExecutionFeed,
    private readonly sessions: LiveSessions,
  ) {
    this.heartbeat.unref();
  }

  handleConnection(socket: WebSocket, request: AuthenticatedRequest): void {
    if (!request.caller) return socket.close(1008, 'unauthenticated');
    const client: Client = {
      caller: request.caller,
      dialect: request.dialect ?? NATIVE_DIALECT,
      subscriptions: new Map(),
      alive: true,
      forget: () => undefined,
    };
    client.forget = this.sessions.add({
      get caller() {
        return client.caller;
      },
      revalidated: (caller) => this.revalidated(socket, client, caller),
      end: ({ code, reason }) => socket.close(code, reason),
    });
    this.clients.set(socket, client);
    socket.on('pong', () => {
      const client = this.clients.get(socket);
      if (client) client.alive = true;
    });
  }

  handleDisconnect(socket: WebSocket): void {
    const client = this.clients.get(socket);
    for (const unsubscribe of client?.subscriptions.values() ?? []) unsubscribe();
    client?.forget();
    this.clients.delete(socket);
  }

  onModuleDestroy(): void {
    clearInterval(this.heartbeat);
  }

  @SubscribeMessage('subscribe')
  async subscribe(@ConnectedSocket() socket: WebSocket, @MessageBody() data: WsInbound['data']): Promise<void> {
    const client = this.clients.get(socket);
    if (!client) return;
    const named = data[client.dialect.idField];
    if (typeof named !== 'string' || !UUID.test(named))
      return this.error(socket, `${client.dialect.idField} must be an execution id (UUID)`);
    const id = named.toLowerCase(); // stored lower-case; both databases then answer alike
    await this.feed.listening();
    try {
      await this.executions.findVisible(client.caller, id); // nothing about a foreign execution, ever
    } catch {
      return this.error(socket, `execution ${id} not found`);
    }
    if (client.subscriptions.has(id) || socket.readyState !== socket.OPEN) return;
    if (client.subscriptions.size >= MAX_SUBSCRIPTIONS_PER_SOCKET) {
      return this.error(socket, `at most ${MAX_SUBSCRIPTIONS_PER_SOCKET} subscriptions per connection`);
    }
    // Listen first, then read the current state, so no change falls between the two.
    client.subscriptions.set(
      id,
      this.feed.subscribe(id, (event) => this.update(socket, event.change)),
    );
    try {
      this.update(socket, toExecutionChange(await this.executions.findVisible(client.caller, id)));
    } catch {
      this.drop(client, id); // deleted in the meantime
      this.error(socket, `execution ${id} not found`);
    }
  }

  @SubscribeMessage('unsubscribe')
  unsubscribe(@ConnectedSocket() socket: WebSocket, @MessageBody() data: WsInbound['data']): void {
    const client = this.clients.get(socket);
    const named = client && data[client.dialect.idField];
    if (client && typeof named === 'string') this.drop(client, named.toLowerCase());
  }

  @SubscribeMessage('invalid')
  invalid(@ConnectedSocket() socket: WebSocket, @MessageBody() data: WsInbound['data']): void {
    this.error(socket, data.reason ?? 'invalid message');
  }

  /** The socket's caller after an identity change: it keeps only the subscriptions it may still read. */
  private async revalidated(socket: WebSocket, client: Client, caller: Caller): Promise<void> {
    const before = client.caller;
    client.caller = caller;
    if (sameView(before, caller)) return;
    for (const id of [...client.subscriptions.keys()]) {
      if (await this.executions.isVisible(caller, id)) continue;
      this.drop(client, id);
      this.send(socket, { type: 'unsubscribed', [client.dialect.idField]: id, reason: 'no longer visible to this token' });
    }
  }

  private update(socket: WebSocket, execution: ExecutionChange): void {
    const client = this.clients.get(socket);
    if (!client?.subscriptions.has(execution.id)) return;
    this.send(socket, client.dialect.update(execution));
    if (execution.is_complete) this.drop(client, execution.id); // nothing follows a terminal status
  }

  private error(socket: WebSocket, message: string): void {
    this.send(socket, { type: 'error', message });
  }

  private send(socket: WebSocket, payload: object): void {
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.logger.warn('dropping a WebSocket client that does not keep up');
      socket.terminate();
      return;
    }
    socket.send(JSON.stringify(payload));
  }

  private drop(client: Client, executionId: string): void {
    client.subscriptions.get(executionId)?.();
    client.subscriptions.delete(executionId);
  }

  private ping(): void {
    for (const [socket, client] of this.clients) {
      if (!client.alive) {
        socket.terminate();
        continue;
      }
      client.alive = false;
      if (socket.readyState === socket.OPEN) socket.ping();
    }
  }
}
