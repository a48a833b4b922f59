import IORedis, { RedisOptions } from 'ioredis';

/**
 * A Redis connection. Producers fail fast while Redis is down (so execute can answer 503);
 * workers wait and reconnect forever, as BullMQ requires (`maxRetriesPerRequest: null`).
 */
export function createRedisConnection(url: string, use: 'producer' | 'worker' | 'probe' | 'limiter'): IORedis {
  return new IORedis(url, CONNECTION_OPTIONS[use]);
}

const CONNECTION_OPTIONS: Record<'producer' | 'worker' | 'probe' | 'limiter', RedisOptions> = {
  // Reconnects at least every second (ioredis waits up to 2 s): executes answer 503 while reconnecting.
  producer: {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 5000,
    retryStrategy: (times) => Math.min(times * 100, 1000),
  },
  worker: { maxRetriesPerRequest: null },
  probe: { maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 3000, retryStrategy: () => null, lazyConnect: true },
  // Rate limits: commands wait for the connection at start, but give up quickly while Redis is away.
  limiter: { maxRetriesPerRequest: 1, enableOfflineQueue: true, connectTimeout: 2000 },
};

/** The URL without its password, for messages. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'redis://(unparseable)';
  }
}

/** Runs `use` on a short-lived connection that does not retry; rejects if Redis cannot be reached. */
export async function withProbeConnection<T>(url: string, use: (connection: IORedis) => Promise<T>): Promise<T> {
  const connection = createRedisConnection(url, 'probe');
  connection.on('error', () => undefined);
  try {
    await connection.connect();
    return await use(connection);
  } finally {
    connection.disconnect();
  }
}

/** Resolves when Redis answers PING, rejects with the reason otherwise. Used before start-up. */
export async function probeRedis(url: string): Promise<void> {
  await withProbeConnection(url, (connection) => connection.ping());
}

/** A connection made on first use; its errors surface in the commands that fail, not as events. */
export class LazyRedis {
  private connection?: IORedis;

  constructor(
    private readonly url: string,
    private readonly use: 'producer' | 'worker' | 'limiter',
  ) {}

  get(): IORedis {
    if (!this.connection) {
      this.connection = createRedisConnection(this.url, this.use);
      this.connection.on('error', () => undefined);
    }
    return this.connection;
  }

  disconnect(): void {
    this.connection?.disconnect();
  }
}
