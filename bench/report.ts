import { execSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { DatabaseFigures, READ_RATE } from './database-run';
import type { BenchOptions } from './options';
import { BATCH_CLIENTS, ITEMS_PER_REQUEST, LARGEST_BATCH } from './batch-run';

const NAMES = { sqlite: 'SQLite', postgres: 'PostgreSQL' };

/** The run as Markdown: where and how it ran, one column per database, then the list query's plans. */
export function renderReport(runs: DatabaseFigures[], options: BenchOptions, startedAt: Date): string {
  const columns = runs.map((run) => `${NAMES[run.kind]} (${run.topology})`);
  const rows: string[][] = [];
  const row = (label: string, cell: (run: DatabaseFigures) => string) => rows.push([label, ...runs.map(cell)]);

  row('raw BullMQ: jobs added /s', (run) => whole(run.raw.addPerSecond));
  row('**raw BullMQ: jobs added and processed /s (the limit)**', (run) => `**${whole(run.raw.jobsPerSecond)}**`);
  if (runs.some((run) => run.endToEnd)) {
    row('gateway: executes accepted /s', (run) =>
      run.endToEnd ? whole(run.endToEnd.acceptedPerSecond) + refusals(run.endToEnd.refused) : '–',
    );
    row('**gateway: executions completed /s (end to end)**', (run) =>
      run.endToEnd ? `**${whole(run.endToEnd.completedPerSecond)}**` : '–',
    );
    row('**end to end ÷ the limit**', (run) =>
      run.endToEnd ? `**${percent(run.endToEnd.completedPerSecond / run.raw.jobsPerSecond)}**` : '–',
    );
  }
  if (runs.some((run) => run.endToEnd)) {
    row('CPU ms per job, raw BullMQ (worker / Redis / bench as producer)', (run) =>
      cpuCells(run.raw.cpuPerJob, ['worker', 'Redis', 'bench client']),
    );
    row('CPU ms per execution, gateway (its processes / PostgreSQL / Redis / bench as client)', (run) =>
      run.endToEnd
        ? cpuCells(run.endToEnd.cpuPerExecution, [...run.memory.map((memory) => memory.role), 'PostgreSQL', 'Redis', 'bench client'])
        : '–',
    );
  }
  if (runs.some((run) => run.batch)) batchRows(runs, row);
  for (const [index, rate] of (runs[0]?.submission.length ? options.rates : []).entries()) {
    row(`execute at ${rate}/s: p50 / p99 ms (errors)`, (run) => latency(run.submission[index]));
    row(`  floor: a bare Node server at ${rate}/s, p50 / p99 ms`, (run) => latency(run.floor[index]));
  }
  for (const [index, read] of (runs[0]?.reads ?? []).entries()) {
    row(`${read.name}: p50 / p99 ms (errors)`, (run) => latency(run.reads[index]));
  }
  if (runs.some((run) => run.seededRows)) row('records in the database for the reads', (run) => whole(run.seededRows ?? 0));
  for (const role of rolesOf(runs)) {
    row(`RSS of the ${role} process: idle / under load, MiB`, (run) => {
      const figures = run.memory.find((memory) => memory.role === role);
      return figures ? `${whole(figures.idle)} / ${whole(figures.load)}` : '–';
    });
  }
  for (const role of rolesOf(runs)) {
    row(`start to ready, ${role} process, ms`, (run) => {
      const ready = run.readyMs.find((candidate) => candidate.role === role);
      return ready ? whole(ready.ms) : '–';
    });
  }

  const table = [['', ...columns], ['---', ...columns.map(() => '---')], ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
  const plans = runs
    .filter((run) => run.listPlan)
    .map((run) => `${NAMES[run.kind]}, the list page at 90 % depth:\n\n\`\`\`\n${run.listPlan}\n\`\`\``)
    .join('\n\n');
  return [
    `### ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC, commit ${commit()}${options.smoke ? ' (smoke)' : ''}`,
    '',
    `Machine: ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}. ` +
      `Command: \`npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\`.`,
    `Sizes: ${options.count} executions, ${options.clients} clients, worker concurrency ${options.concurrency}, ` +
      `${options.seconds} s per fixed-rate measurement, reads at ${READ_RATE}/s; phases: ${options.phases.join(', ')}.`,
    '',
    summary(runs, options),
    '',
    table,
    '',
    plans,
    '',
  ].join('\n');
}

/** Batch execute: one 1000-item batch's answer time, and batches of 100 end to end against the limit. */
function batchRows(runs: DatabaseFigures[], row: (label: string, cell: (run: DatabaseFigures) => string) => void): void {
  const of = (cell: (batch: NonNullable<DatabaseFigures['batch']>, run: DatabaseFigures) => string) => (run: DatabaseFigures) =>
    run.batch ? cell(run.batch, run) : '–';
  row(
    `batch of ${LARGEST_BATCH}: answer p50 / max ms (batches)`,
    of(({ largest }) => `${largest.p50.toFixed(0)} / ${largest.max.toFixed(0)} (${largest.batches})`),
  );
  row(
    `batch execute, ${ITEMS_PER_REQUEST} items a request, ${BATCH_CLIENTS} clients: executions accepted /s`,
    of((batch) => whole(batch.acceptedPerSecond) + refusals(batch.refused)),
  );
  row(
    '**batch execute: executions completed /s (end to end)**',
    of((batch) => `**${whole(batch.completedPerSecond)}**`),
  );
  row(
    '**batch end to end ÷ the limit**',
    of((batch, run) => `**${percent(batch.completedPerSecond / run.raw.jobsPerSecond)}**`),
  );
  row(
    'batch: all submitted / all completed, ms',
    of((batch) => `${whole(batch.submitMs)} / ${whole(batch.completedMs)}`),
  );
  row(
    'CPU ms per execution, batch (its processes / PostgreSQL / Redis / bench as client)',
    of((batch, run) =>
      cpuCells(batch.cpuPerExecution, [...run.memory.map((memory) => memory.role), 'PostgreSQL', 'Redis', 'bench client']),
    ),
  );
}

/** One line with what the run is for: the gateway end to end against raw BullMQ, and its CPU per execution. */
function summary(runs: DatabaseFigures[], options: BenchOptions): string {
  const measured = runs.filter((run) => run.endToEnd);
  if (measured.length === 0) return 'Summary: the end-to-end phase did not run.';
  const cells = measured.map((run) => {
    const { completedPerSecond, cpuPerExecution } = run.endToEnd!;
    const cpu = Object.values(cpuPerExecution).reduce((sum, ms) => sum + ms, 0);
    return `${NAMES[run.kind]} (${run.topology}) ${percent(completedPerSecond / run.raw.jobsPerSecond)}, ${cpu.toFixed(2)} ms of CPU per execution`;
  });
  const batched = runs.filter((run) => run.batch);
  const batches = batched.map(
    (run) =>
      `${NAMES[run.kind]} ${percent(run.batch!.completedPerSecond / run.raw.jobsPerSecond)}, ` +
      `a ${LARGEST_BATCH}-item batch answered in ${run.batch!.largest.p50.toFixed(0)} ms (p50)`,
  );
  return (
    `**Summary** (${options.clients} clients, worker concurrency ${options.concurrency}): end to end ÷ raw BullMQ, and CPU per ` +
    `execution over every process (gateway, database, Redis, bench client): ${cells.join('; ')}.` +
    (batches.length > 0 ? ` Batch execute (${ITEMS_PER_REQUEST} items a request) end to end ÷ raw BullMQ: ${batches.join('; ')}.` : '')
  );
}

/** `a / b / c` for the groups measured, each to two decimals; groups not measured are left out. */
function cpuCells(perUnit: Record<string, number>, order: string[]): string {
  const processes = order.filter((group) => perUnit[group] !== undefined && !['PostgreSQL', 'Redis', 'bench client'].includes(group));
  const ours = processes.map((group) => perUnit[group].toFixed(2)).join(' + ');
  const rest = ['PostgreSQL', 'Redis', 'bench client']
    .filter((group) => order.includes(group))
    .map((group) => (perUnit[group] === undefined ? '–' : perUnit[group].toFixed(2)));
  return [ours, ...rest].filter(Boolean).join(' / ');
}

function rolesOf(runs: DatabaseFigures[]): string[] {
  return ['all', 'api', 'worker'].filter((role) => runs.some((run) => run.memory.some((memory) => memory.role === role)));
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
