import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { createServer, Server } from 'node:http';
import { AppConfig } from '../config/app-config';
import { ExecutionQueues } from '../queue/execution-queues';
import { TaskRegistry } from '../task-registry/task-registry';
import { Metrics } from './metrics';
import { metricsAuthorized, renderMetrics } from './metrics-text';

/**
 * A `ROLE=worker` process serves no API, but orchestrators still probe it and Prometheus still
 * scrapes it: on `PORT` it answers `/health/live` and `/metrics`, nothing else.
 */
@Injectable()
export class WorkerProbeServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WorkerProbeServer.name);
  private server?: Server;

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
    private readonly registry: TaskRegistry,
    private readonly queues: ExecutionQueues,
  ) {}

  onApplicationBootstrap(): void {
    this.server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (req.method === 'GET' && path === '/health/live') {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"ok"}');
      } else if (req.method === 'GET' && path === '/metrics') {
        if (!metricsAuthorized(this.config.metricsToken, req.headers.authorization)) {
          res
            .writeHead(401, { 'Content-Type': 'application/json' })
            .end('{"statusCode":401,"error":"Unauthorized","message":"metrics need the METRICS_TOKEN"}');
          return;
        }
        renderMetrics(this.metrics, this.registry, this.queues).then(
          (text) => res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }).end(text),
          () => res.writeHead(500).end(),
        );
      } else {
        res
          .writeHead(404, { 'Content-Type': 'application/json' })
          .end('{"statusCode":404,"error":"Not Found","message":"a worker serves /health/live and /metrics only"}');
      }
    });
    this.server.on('error', (error) => this.logger.warn(`probe server: ${error.message}`));
    this.server.listen(this.config.port, () => this.logger.log(`worker probes on port ${this.config.port} (/health/live, /metrics)`));
  }

  async onApplicationShutdown(): Promise<void> {
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
  }
}
