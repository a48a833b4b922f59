import { execSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import type { DatabaseFigures } from './database-run';
import type { BenchOptions } from './options';

const NAMES = { sqlite: 'SQLite', postgres: 'PostgreSQL' };

/** The run as Markdown: where and how it ran, one column per database, then the list query's plans. */
export function renderReport(runs: DatabaseFigures[], options: BenchOptions, startedAt: Date): string {
  const columns = runs.map((run) => `${NAMES[run.kind]} (${run.topology})`);
  const rows: string[][] = [];
  const row = (label: string, cell: (run: DatabaseFigures) => string) => rows.push([label, ...runs.map(cell)]);

  row('raw BullMQ: jobs added /s', (run) => whole(run.raw.addPerSecond));
  row('**raw BullMQ: jobs added and processed /s (the limit)**', (run) => `**${whole(run.raw.jobsPerSecond)}**`);
  row('gateway: executes accepted /s', (run) => whole(run.endToEnd.acceptedPerSecond) + refusals(run.endToEnd.refused));
  row('**gateway: executions completed /s (end to end)**', (run) => `**${whole(run.endToEnd.completedPerSecond)}**`);
  row('**end to end ÷ the limit**', (run) => `**${percent(run.endToEnd.completedPerSecond / run.raw.jobsPerSecond)}**`);
  for (const [index, rate] of options.rates.entries()) {
    row(`execute at ${rate}/s: p50 / p99 ms (errors)`, (run) => latency(run.submission[index]));
  }
  for (const [index, read] of (runs[0]?.reads ?? []).entries()) {
    row(`${read.name}: p50 / p99 ms (errors)`, (run) => latency(run.reads[index]));
  }
  row('records in the database for the reads', (run) => whole(run.seededRows));
  for (const [index, memory] of (runs[0]?.memory ?? []).entries()) {
    row(`RSS of the ${memory.role} process: idle / under load, MiB`, (run) => {
      const figures = run.memory[index];
      return figures ? `${whole(figures.idle)} / ${whole(figures.load)}` : '–';
    });
  }
  for (const [index, ready] of (runs[0]?.readyMs ?? []).entries()) {
    row(`start to ready, ${ready.role} process, ms`, (run) => (run.readyMs[index] ? whole(run.readyMs[index].ms) : '–'));
  }

  const table = [['', ...columns], ['---', ...columns.map(() => '---')], ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
  const plans = runs.map((run) => `${NAMES[run.kind]}, the list page at 90 % depth:\n\n\`\`\`\n${run.listPlan}\n\`\`\``).join('\n\n');
  return [
    `### ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC, commit ${commit()}${options.smoke ? ' (smoke)' : ''}`,
    '',
    `Machine: ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}. ` +
      `Command: \`npm run bench -- ${process.argv.slice(2).join(' ')}\`.`,
    `Sizes: ${options.count} executions, ${options.clients} clients, worker concurrency ${options.concurrency}, ` +
      `${options.seconds} s per fixed-rate measurement, reads at 50/s.`,
    '',
    table,
    '',
    plans,
    '',
  ].join('\n');
}

function whole(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(0)} %`;
}

function latency(figures: { p50: number; p99: number; errors: number } | undefined): string {
  if (!figures) return '–';
  return `${figures.p50.toFixed(1)} / ${figures.p99.toFixed(1)} (${figures.errors})`;
}

function refusals(refused: Record<number, number>): string {
  const entries = Object.entries(refused);
  return entries.length === 0 ? '' : ` (refused: ${entries.map(([status, count]) => `${count} × ${status}`).join(', ')})`;
}

function commit(): string {
  try {
    const hash = execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
    const dirty = execSync('git status --porcelain --untracked-files=no', { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${hash} + uncommitted changes` : hash;
  } catch {
    return 'unknown';
  }
}
