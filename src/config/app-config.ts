export type Role = 'all' | 'api' | 'worker';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The seed API families: SPEC 8.1 (`/api/tasks`) and 8.2 (`/api/v1/tasks`). */
export const COMPAT_FAMILIES = ['api-tasks', 'api-v1-tasks'] as const;
export type CompatFamily = (typeof COMPAT_FAMILIES)[number];

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
  /** Bytes of uploaded files one principal may keep stored (a file shared by retries counts once). */
  uploadQuotaBytes: number;
  storageDir: string;
  resultLimitBytes: number;
  workerConcurrency: number;
  stalledIntervalMs: number;
  shutdownGraceMs: number;
  /** How often a process looks for executions whose job vanished or whose worker died; 0: never. */
  reconcileIntervalMs: number;
  /** How long a record must have been left alone before the reconciler acts on it. */
  reconcileGraceMs: number;
  /** How long a worker keeps retrying the write of an outcome while the database is away. */
  outcomeWriteRetryMs: number;
  /** Test-only fault: `exit-before-enqueue` ends the process between the record's commit and the enqueue. */
  fault: '' | 'exit-before-enqueue';
  /** How long an API process reuses a statistics count for the same caller view and filter; 0: count every time. */
  statisticsCacheMs: number;
  /** How long an API process may reuse a token's resolved caller; 0: look it up on every request. */
  authCacheMs: number;
  bootstrapAdmin: boolean;
  /** When set, `/metrics` needs `Authorization: Bearer <this>`. */
  metricsToken: string;
  /** Execute (and upload) requests per minute per token; 0 turns the limit off. */
  rateLimitExecute: number;
  /** Failed authentications per minute per client address before it is refused (429); 0: off. */
  rateLimitAuthFailures: number;
  /** Deepest nesting of objects and arrays a JSON body may have (the body itself is level 1). */
  jsonMaxDepth: number;
  /** Longest string (key or value, in characters) a JSON body or query string may hold; 413 above. */
  jsonMaxString: number;
  /** Origins allowed to call the API from a browser; empty: no CORS headers at all. `*`: any. */
  corsOrigins: string[];
  /**
   * Which proxies' `X-Forwarded-For` to believe for the client address (audit rows, auth-failure
   * throttling): a hop count or addresses/CIDRs/`loopback`/`uniquelocal`; false: none, the socket's.
   */
  trustProxy: number | string | false;
  /** Key of the completion webhooks' HMAC signature; empty: webhooks are off (a `callback_url` is a 400). Never logged. */
  webhookSecret: string;
  /**
   * The AES-256-GCM key of sensitive kwargs (`SECRETS_KEY`, 32 bytes in base64); null when unset
   * (then no task may declare a `@Sensitive()` field). Never logged.
   */
  secretsKey: Buffer | null;
  /** Earlier keys (`SECRETS_KEY_PREVIOUS`), still used to decrypt values sealed before a rotation. */
  previousSecretsKeys: Buffer[];
  /** Lets callback URLs use plain `http:` and reach loopback, private and link-local addresses (development only). */
  webhookAllowPrivate: boolean;
  /** Delivery attempts of one webhook, the first included. */
  webhookAttempts: number;
  /** Delay before the first retry of a delivery; each further retry waits twice as long as the one before. */
  webhookBackoffMs: number;
  /** The seed APIs served beside the native one (SPEC 8): `api-tasks` (`/api/tasks`), `api-v1-tasks` (`/api/v1/tasks`). */
  compat: CompatFamily[];
  /** The task `POST /api/v1/tasks/upload` (seed API) runs. */
  compatUploadTask: string;
  /** How long finished executions are kept after `completed_at` unless their task says `retain`; 0: forever. */
  retentionMs: number;
  /** How often a process sweeps expired executions and audit rows (one process at a time); 0: never. */
  retentionSweepMs: number;
  /** How long audit rows are kept after `occurred_at`; 0: forever. */
  auditRetentionMs: number;
  /** How often a process cancels executions whose approval deadline passed (one process at a time); 0: never. */
  approvalSweepMs: number;

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
