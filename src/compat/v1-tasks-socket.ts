import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, Server } from 'node:http';
import type { ExecutionChange } from '../executions/execution-event';
import type { AuthenticatedRequest } from '../live/authenticated-ws.adapter';
import type { SocketDialect } from '../live/socket-dialect';
import { V1_TASK_STATUSES } from './seed-statuses';

/** `WS /api/v1/ws/tasks/{client_id}`: the client picks its id; it names the connection and nothing else. */
const SEED_SOCKET_PATH = /^\/api\/v1\/ws\/tasks\/[A-Za-z0-9_.~-]{1,128}\/?$/;
const NATIVE_SOCKET_PATH = '/api/v1/ws';

/** Seed 003's messages: `task_id` in, `{type: "task_update", task_id, status, progress}` out, in its status words. */
export const SEED_SOCKET_DIALECT: SocketDialect = {
  idField: 'task_id',
  update: (change: ExecutionChange) => ({
    type: 'task_update',
    task_id: change.id,
    status: V1_TASK_STATUSES.shown[change.status],
    progress: change.progress,
  }),
};

/**
 * Serves seed 003's socket with the native one: an upgrade request to the seed's path is handed to
 * the native gateway (same authentication, visibility, revocation) with the seed's dialect. Runs
 * before the WebSocket adapter's own upgrade handler, which matches paths exactly.
 */
@Injectable()
export class V1TasksSocket implements OnApplicationBootstrap {
  constructor(private readonly host: HttpAdapterHost) {}

  onApplicationBootstrap(): void {
    const server = this.host.httpAdapter?.getHttpServer() as Server | undefined;
    server?.prependListener('upgrade', (request: IncomingMessage) => {
      const [path, query] = splitUrl(request.url ?? '/');
      if (!SEED_SOCKET_PATH.test(path)) return;
      request.url = NATIVE_SOCKET_PATH + query;
      (request as AuthenticatedRequest).dialect = SEED_SOCKET_DIALECT;
    });
  }
}

function splitUrl(url: string): [string, string] {
  const mark = url.indexOf('?');
  return mark === -1 ? [url, ''] : [url.slice(0, mark), url.slice(mark)];
}
