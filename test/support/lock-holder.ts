// Holds the reconciler lock as a process in the middle of a long round would, until it is killed:
// `node -r ts-node/register/transpile-only test/support/lock-holder.ts` with REDIS_URL, LOCK_KEY, LEASE_MS.
import { LazyRedis } from '../../src/queue/redis-connection';
import { ReconcilerLock } from '../../src/reconciler/reconciler-lock';

async function main(): Promise<void> {
  const lock = new ReconcilerLock(new LazyRedis(process.env.REDIS_URL!, 'limiter'), process.env.LOCK_KEY!, Number(process.env.LEASE_MS));
  const lease = await lock.acquire();
  process.stdout.write(lease ? 'holding the lock\n' : 'lock taken by another\n');
  // A round that never ends: only the lease renewals run, until the process is killed.
  setInterval(() => undefined, 60_000);
}

void main();
