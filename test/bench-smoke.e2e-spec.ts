import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './support/processes';

/**
 * `npm run bench -- --smoke` on this run's database, so the benchmark harness cannot rot. It
 * asserts that every phase ran and produced figures, never how fast: timings are not tests.
 */
describe('the benchmark harness (smoke)', () => {
  it('runs every phase (batch execute included) on this run’s database and prints a full report', () => {
    const postgres = process.env.TEST_DATABASE_URL?.startsWith('postgres');
    const result = spawnSync(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', join(ROOT, 'bench', 'run.ts'), '--smoke', '--db', postgres ? 'postgres' : 'sqlite'],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 170_000,
        env: {
          ...process.env,
          ...(postgres ? { PG_URL: process.env.TEST_DATABASE_URL } : {}),
          REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
        },
      },
    );
    expect({ status: result.status, stderr: result.stderr.slice(-2000) }).toEqual({ status: 0, stderr: expect.any(String) });
    const cell = (label: string) =>
      new RegExp(`\\| ${label.replace(/[()*/÷.]/g, '\\$&')}[^|]* \\| ([^|]+) \\|`).exec(result.stdout)?.[1]?.trim();
    const number = (text?: string) => Number((text ?? '').replace(/[*,%]/g, '').split(' ')[0]);
    expect(number(cell('**raw BullMQ: jobs added and processed /s (the limit)**'))).toBeGreaterThan(0);
    expect(number(cell('**gateway: executions completed /s (end to end)**'))).toBeGreaterThan(0);
    expect(number(cell('**end to end ÷ the limit**'))).toBeGreaterThan(0);
    expect(result.stdout).toMatch(/\| batch of 1000: answer p50 \/ max ms \(batches\) \| \d+ \/ \d+ \(2\) \|/);
    expect(number(cell('**batch execute: executions completed /s (end to end)**'))).toBeGreaterThan(0);
    expect(number(cell('**batch end to end ÷ the limit**'))).toBeGreaterThan(0);
    expect(result.stdout).toMatch(/Batch execute \(100 items a request\) end to end ÷ raw BullMQ: (SQLite|PostgreSQL) \d+ %/);
    expect(result.stdout).toMatch(
      /\*\*Summary\*\* \(8 clients, worker concurrency 10\): .*(SQLite|PostgreSQL) \(all\) \d+ %, [\d.]+ ms of CPU per execution/,
    );
    // Every fixed-rate and read measurement answered without an error.
    const latencies = [...result.stdout.matchAll(/p50 \/ p99 ms \(errors\) \| ([\d.]+) \/ ([\d.]+) \((\d+)\) \|/g)];
    expect(latencies.length).toBe(8);
    expect(result.stdout).toMatch(/list, page at 90 % depth \(page=\d+/);
    expect(result.stdout).toMatch(/statistics per task, 24 h window/);
    expect(latencies.map((match) => match[3])).toEqual(latencies.map(() => '0'));
    expect(result.stdout).toMatch(/start to ready, (all|api) process, ms \| [\d,]+ \|/);
    expect(result.stdout).toMatch(/```\n[\s\S]*executions/i);
  }, 180_000);
});
