import type IORedis from 'ioredis';

/** One wait per connecting connection, shared by every request that arrives meanwhile. */
const waits = new WeakMap<IORedis, Promise<void>>();

/**
 * Resolves once the connection is ready. Rejects at once if it is reconnecting or closed, and after
 * `timeoutMs` if it is still connecting: a producer should answer 503 rather than wait for Redis.
 */
export function whenReady(connection: IORedis, timeoutMs: number): Promise<void> {
  if (connection.status === 'ready') return Promise.resolve();
  if (['reconnecting', 'end', 'close'].includes(connection.status)) {
    return Promise.reject(new Error(`Redis connection is ${connection.status}`));
  }
  let wait = waits.get(connection);
  if (!wait) {
    wait = waitForReady(connection, timeoutMs).finally(() => waits.delete(connection));
    waits.set(connection, wait);
  }
  return wait;
}

function waitForReady(connection: IORedis, timeoutMs: number): Promise<void> {
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
