export type Role = 'all' | 'api' | 'worker';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The validated configuration. Built only by `loadAppConfig`; injected everywhere else. */
export class AppConfig {
  port: number;
  databaseUrl: string;
  redisUrl: string;
  /** BullMQ key prefix, so several gateways (or test runs) can share one Redis. */
  queuePrefix: string;
  role: Role;
  /** Queues a worker consumes; empty means every queue a registered task uses. */
  queues: string[];
  demoTasks: boolean;
  logLevel: LogLevel;
  /** Write logs to this file instead of stdout (empty: stdout). */
  logFile: string;
  bodyLimitBytes: number;
  uploadLimitBytes: number;
  storageDir: string;
  resultLimitBytes: number;
  workerConcurrency: number;
  stalledIntervalMs: number;
  shutdownGraceMs: number;
  bootstrapAdmin: boolean;
  /** When set, `/metrics` needs `Authorization: Bearer <this>`. */
  metricsToken: string;
  /** Execute (and upload) requests per minute per token; 0 turns the limit off. */
  rateLimitExecute: number;
  /** Failed authentications per minute per client address before it is refused (429); 0: off. */
  rateLimitAuthFailures: number;

  get runsApi(): boolean {
    return this.role !== 'worker';
  }

  get runsWorker(): boolean {
    return this.role !== 'api';
  }

  get isPostgres(): boolean {
    return /^postgres(ql)?:\/\//.test(this.databaseUrl);
  }
}
