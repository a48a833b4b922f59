import IORedis, { RedisOptions } from 'ioredis';

/**
 * A connection for BullMQ. Producers fail fast while Redis is down (so execute can answer 503);
 * workers wait and reconnect forever, as BullMQ requires (`maxRetriesPerRequest: null`).
 */
export function createRedisConnection(url: string, use: 'producer' | 'worker' | 'probe'): IORedis {
  const options: RedisOptions =
    use === 'worker'
      ? { maxRetriesPerRequest: null }
      : use === 'producer'
        ? { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 5000 }
        : { maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 3000, retryStrategy: () => null, lazyConnect: true };
  return new IORedis(url, options);
}

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

/** Resolves when Redis answers PING, rejects with the reason otherwise. Used before start-up. */
export async function probeRedis(url: string): Promise<void> {
  const connection = createRedisConnection(url, 'probe');
  connection.on('error', () => undefined);
  try {
    await connection.connect();
    await connection.ping();
  } finally {
    connection.disconnect();
  }
}
