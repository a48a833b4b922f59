// The limit's consumer, in a process of its own like the gateway's worker:
//   node -r ts-node/register/transpile-only bench/raw-bullmq-worker.ts <redis-url> <prefix> <concurrency> <jobs>
// A BullMQ Worker with a no-op processor; prints "ready" once connected and "done" after <jobs> completions.
import { Worker } from 'bullmq';
import IORedis from 'ioredis';

const [redisUrl, prefix, concurrency, jobs] = process.argv.slice(2);
const connection = new IORedis(redisUrl, { maxRetriesPerRequest: null });
let completed = 0;
const worker = new Worker('default', async () => null, { connection, prefix, concurrency: Number(concurrency) });
worker.on('completed', () => {
  if (++completed === Number(jobs)) process.stdout.write('done\n');
});
worker.on('error', (error) => process.stderr.write(`raw worker: ${error.message}\n`));
void worker.waitUntilReady().then(() => process.stdout.write('ready\n'));
process.on(
  'SIGTERM',
  () =>
    void worker
      .close()
      .then(() => connection.quit())
      .then(() => process.exit(0)),
);
