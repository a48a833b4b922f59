import 'reflect-metadata';
import { CommandFactory } from 'nest-commander';
import { CliModule } from './cli/cli.module';
import { DomainError, InvalidInputError } from './common/domain-errors';
import { ConfigError } from './config/config-error';
import { loadAppConfig } from './config/load-app-config';

/** `node dist/cli.js <command>`: bootstrapping and scripting. Exit 1 with a one-line reason on failure. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadAppConfig();
  } catch (error) {
    fail(error);
  }
  await CommandFactory.run(CliModule.forRoot(config), {
    logger: false,
    serviceErrorHandler: fail,
    errorHandler: (error) => {
      // commander's own exits (--help, --version) are not failures
      const code = (error as { exitCode?: number }).exitCode ?? 1;
      process.exit(code);
    },
  });
}

function fail(error: unknown): never {
  if (error instanceof InvalidInputError) process.stderr.write(`error: ${error.problems.join('; ')}\n`);
  else if (error instanceof DomainError || error instanceof ConfigError) process.stderr.write(`error: ${error.message}\n`);
  else process.stderr.write(`error: ${(error as Error)?.message ?? String(error)}\n`);
  process.exit(1);
}

void main();
