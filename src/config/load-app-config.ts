import { AppConfig, COMPAT_FAMILIES, CompatFamily, LogLevel, Role } from './app-config';
import { parseRetention, RETENTION_HINT } from '../common/duration';
import { ConfigError } from './config-error';
import { Env, readBoolean, readChoice, readInt, readSize, readString } from './env-parsers';

const ROLES: readonly Role[] = ['all', 'api', 'worker'];
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const FAULTS: readonly AppConfig['fault'][] = ['', 'exit-before-enqueue'];
const QUEUE_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** Reads and validates the environment once; the only place that touches `process.env`. */
export function loadAppConfig(env: Env = process.env): AppConfig {
  const config = new AppConfig();
  config.port = readInt(env, 'PORT', 3000, 0, 65535);
  config.databaseUrl = readDatabaseUrl(env);
  config.redisUrl = readRedisUrl(env);
  config.queuePrefix = readString(env, 'QUEUE_PREFIX', 'taskgate');
  config.role = readChoice(env, 'ROLE', 'all', ROLES);
  config.queues = readQueues(env);
  config.demoTasks = readBoolean(env, 'DEMO_TASKS', true);
  config.logLevel = readChoice(env, 'LOG_LEVEL', 'info', LOG_LEVELS);
  config.logFile = readString(env, 'LOG_FILE', '');
  config.bodyLimitBytes = readSize(env, 'BODY_LIMIT', 1024 * 1024);
  config.uploadLimitBytes = readSize(env, 'UPLOAD_LIMIT', 25 * 1024 * 1024);
  config.uploadQuotaBytes = readSize(env, 'UPLOAD_QUOTA', 1024 * 1024 * 1024);
  config.storageDir = readString(env, 'STORAGE_DIR', './data/uploads');
  config.resultLimitBytes = readSize(env, 'RESULT_LIMIT', 256 * 1024);
  config.workerConcurrency = readInt(env, 'WORKER_CONCURRENCY', 10, 1, 1000);
  config.stalledIntervalMs = readInt(env, 'STALLED_INTERVAL_MS', 30_000, 1000, 3_600_000);
  config.shutdownGraceMs = readInt(env, 'SHUTDOWN_GRACE_MS', 30_000, 0, 3_600_000);
  config.reconcileIntervalMs = readInt(env, 'RECONCILE_INTERVAL_MS', 15_000, 0, 3_600_000);
  config.reconcileGraceMs = readInt(env, 'RECONCILE_GRACE_MS', 60_000, 100, 86_400_000);
  config.outcomeWriteRetryMs = readInt(env, 'OUTCOME_WRITE_RETRY_MS', 120_000, 0, 3_600_000);
  config.fault = readChoice(env, 'TASKGATE_FAULT', '', FAULTS);
  config.authCacheMs = readInt(env, 'AUTH_CACHE_MS', 5000, 0, 60_000);
  config.statisticsCacheMs = readInt(env, 'STATISTICS_CACHE_MS', 1000, 0, 60_000);
  config.bootstrapAdmin = readBoolean(env, 'BOOTSTRAP_ADMIN', true);
  config.metricsToken = readString(env, 'METRICS_TOKEN', '');
  config.rateLimitExecute = readInt(env, 'RATE_LIMIT_EXECUTE', 6000, 0, 10_000_000);
  config.rateLimitAuthFailures = readInt(env, 'RATE_LIMIT_AUTH_FAILURES', 60, 0, 10_000_000);
  config.jsonMaxDepth = readInt(env, 'JSON_MAX_DEPTH', 32, 2, 1000);
  config.jsonMaxString = readInt(env, 'JSON_MAX_STRING', 64 * 1024, 1, 1_073_741_824);
  config.corsOrigins = readCorsOrigins(env);
  config.trustProxy = readTrustProxy(env);
  config.webhookSecret = readWebhookSecret(env);
  config.secretsKey = readSecretsKey('SECRETS_KEY', env.SECRETS_KEY ?? '');
  config.previousSecretsKeys = (env.SECRETS_KEY_PREVIOUS ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => readSecretsKey('SECRETS_KEY_PREVIOUS', part)!);
  config.webhookAllowPrivate = readBoolean(env, 'WEBHOOK_ALLOW_PRIVATE', false);
  config.webhookAttempts = readInt(env, 'WEBHOOK_ATTEMPTS', 8, 1, 100);
  config.webhookBackoffMs = readInt(env, 'WEBHOOK_BACKOFF_MS', 2000, 1, 86_400_000);
  config.compat = readCompat(env);
  config.compatUploadTask = readString(env, 'COMPAT_UPLOAD_TASK', 'demo.checksum');
  config.retentionMs = readRetention(env, 'RETENTION', '30d');
  config.retentionSweepMs = readInt(env, 'RETENTION_SWEEP_MS', 60_000, 0, 86_400_000);
  config.auditRetentionMs = readRetention(env, 'AUDIT_RETENTION', '365d');
  config.approvalSweepMs = readInt(env, 'APPROVAL_SWEEP_MS', 30_000, 0, 86_400_000);
  if (!/^[A-Za-z0-9_{}:-]+$/.test(config.queuePrefix)) {
    throw new ConfigError('QUEUE_PREFIX', `may hold only letters, digits, _ - : { }, got "${config.queuePrefix}"`);
  }
  return config;
}

function readDatabaseUrl(env: Env): string {
  const url = readString(env, 'DATABASE_URL', 'sqlite:./data/gateway.sqlite');
  if (/^sqlite:.+/.test(url)) return url;
  if (/^postgres(ql)?:\/\/.+/.test(url) && canParse(url)) return url;
  throw new ConfigError('DATABASE_URL', 'must be sqlite:<path> or postgres://user@host:port/database');
}

function readRedisUrl(env: Env): string {
  const url = readString(env, 'REDIS_URL', 'redis://127.0.0.1:6379');
  if (!/^rediss?:\/\//.test(url) || !canParse(url)) {
    throw new ConfigError('REDIS_URL', 'must be redis://[user:password@]host:port[/db]');
  }
  const db = new URL(url).pathname.replace('/', '');
  if (db !== '' && !/^\d+$/.test(db)) throw new ConfigError('REDIS_URL', `has a database index that is not a number: "${db}"`);
  return url;
}

function readQueues(env: Env): string[] {
  const raw = readString(env, 'QUEUES', '');
  if (raw === '' || raw === 'all') return [];
  const queues = raw
    .split(',')
    .map((queue) => queue.trim())
    .filter(Boolean);
  const bad = queues.find((queue) => !QUEUE_NAME.test(queue));
  if (bad !== undefined) throw new ConfigError('QUEUES', `has an invalid queue name "${bad}"`);
  return queues;
}

/** `all` (default), `none`, or a comma list of families. */
function readCompat(env: Env): CompatFamily[] {
  const raw = readString(env, 'COMPAT', 'all').toLowerCase();
  if (raw === 'all') return [...COMPAT_FAMILIES];
  if (raw === 'none') return [];
  const families = raw.split(',').map((family) => family.trim());
  const bad = families.find((family) => !(COMPAT_FAMILIES as readonly string[]).includes(family));
  if (bad !== undefined)
    throw new ConfigError('COMPAT', `must be all, none or a comma list of ${COMPAT_FAMILIES.join(', ')}, got "${bad}"`);
  return [...new Set(families)] as CompatFamily[];
}

/** `0` (keep forever) or a duration in s, m, h or d (SPEC 7.9). */
function readRetention(env: Env, name: string, fallback: string): number {
  const raw = readString(env, name, fallback);
  const ms = parseRetention(raw);
  if (ms === null) throw new ConfigError(name, `must be ${RETENTION_HINT} (at most 36500d), got "${raw}"`);
  return ms;
}

function canParse(url: string): boolean {
  try {
    new URL(url);
    return true;
  } catch {
    return false;
  }
}

/** `CORS_ORIGINS`: comma-separated `scheme://host[:port]` origins, or `*`. */
function readCorsOrigins(env: Env): string[] {
  const origins = readString(env, 'CORS_ORIGINS', '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  const bad = origins.find((origin) => origin !== '*' && (!canParse(origin) || new URL(origin).origin !== origin));
  if (bad !== undefined) throw new ConfigError('CORS_ORIGINS', `has "${bad}", which is not an origin such as https://app.example.com`);
  return origins;
}

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** `TRUST_PROXY`: a hop count, or comma-separated addresses, CIDRs and Express's names; empty: off. */
function readTrustProxy(env: Env): number | string | false {
  const raw = readString(env, 'TRUST_PROXY', '').trim();
  if (raw === '') return false;
  if (/^\d+$/.test(raw)) return Number(raw);
  const items = raw.split(',').map((item) => item.trim());
  const bad = items.find((item) => !PROXY_NAMES.includes(item) && !/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(item));
  if (bad !== undefined)
    throw new ConfigError('TRUST_PROXY', `has "${bad}": give a hop count, or addresses, CIDRs, loopback, linklocal, uniquelocal`);
  return items.join(',');
}

/** `WEBHOOK_SECRET`: empty turns webhooks off; a short one would make signatures guessable. Its value never appears in a message. */
/** A 32-byte key in base64 (`openssl rand -base64 32`); the message never repeats the value. */
function readSecretsKey(variable: string, text: string): Buffer | null {
  if (text === '') return null;
  const key = /^[A-Za-z0-9+/]+={0,2}$/.test(text) ? Buffer.from(text, 'base64') : Buffer.alloc(0);
  if (key.length !== 32) {
    throw new ConfigError(
      variable,
      `must be 32 random bytes in base64 (generate one with: openssl rand -base64 32); got ${key.length} bytes`,
    );
  }
  return key;
}

function readWebhookSecret(env: Env): string {
  const secret = env.WEBHOOK_SECRET ?? '';
  if (secret === '') return '';
  if (secret.length < 16) throw new ConfigError('WEBHOOK_SECRET', `must be at least 16 characters long (got ${secret.length})`);
  return secret;
}
