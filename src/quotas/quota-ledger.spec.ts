import type { Repository } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import type { Execution } from '../executions/execution.entity';
import { QuotaLedger } from './quota-ledger';

describe(QuotaLedger.name, () => {
  // Nothing listens there: any Redis command would fail, and any query would throw.
  const config = { redisUrl: 'redis://127.0.0.1:1', queuePrefix: 'unit' } as AppConfig;
  const executions = new Proxy({}, { get: () => () => Promise.reject(new Error('no database here')) }) as Repository<Execution>;

  it('costs a request without quotas nothing: no Redis connection, no query', async () => {
    const sut = new QuotaLedger(config, executions);
    await expect(sut.claim([], 'e-1')).resolves.toBeUndefined();
    await expect(sut.release([], 'e-1')).resolves.toBeUndefined();
    expect((sut as unknown as { connection?: unknown }).connection).toBeUndefined();
    sut.onApplicationShutdown();
  });
});
