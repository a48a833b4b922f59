// The benchmark: `npm run bench -- [options]` (`--help` lists them). Builds first; runs the gateway
// from dist/ against the local Redis and PostgreSQL; appends its report to docs/benchmarks.md.
import { appendFileSync } from 'node:fs';
import { DatabaseFigures, runOnDatabase } from './database-run';
import { parseOptions } from './options';
import { renderReport } from './report';

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2), process.env);
  const startedAt = new Date();
  const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
  const runs: DatabaseFigures[] = [];
  for (const kind of options.databases) runs.push(await runOnDatabase(kind, options, log));
  const report = renderReport(runs, options, startedAt);
  process.stdout.write(`${report}\n`);
  if (options.appendTo) {
    appendFileSync(options.appendTo, `\n${report}`);
    log(`appended to ${options.appendTo}`);
  }
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    process.stderr.write(`bench failed: ${error.message}\n`);
    process.exit(1);
  },
);
