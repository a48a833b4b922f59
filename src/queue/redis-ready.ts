import type IORedis from 'ioredis';

/**
 * Resolves once the connection is ready. Rejects at once if it is reconnecting or closed, and after
 * `timeoutMs` if it is still connecting: a producer should answer 503 rather than wait for Redis.
 */
export function whenReady(connection: IORedis, timeoutMs: number): Promise<void> {
  if (connection.status === 'ready') return Promise.resolve();
  if (['reconnecting', 'end', 'close'].includes(connection.status)) {
    return Promise.reject(new Error(`Redis connection is ${connection.status}`));
  }
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      clearTimeout(timer);
      connection.off('ready', onReady);
      connection.off('error', onError);
      if (error) reject(error);
      else resolve();
    };
    const onReady = () => done();
    const onError = (error: Error) => done(error);
    const timer = setTimeout(() => done(new Error(`Redis did not answer within ${timeoutMs} ms`)), timeoutMs);
    connection.once('ready', onReady);
    connection.once('error', onError);
  });
}
