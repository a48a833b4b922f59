import { Command, CommandRunner } from 'nest-commander';
import { PrincipalsService } from '../auth/principals.service';
import { cliOutput } from './cli-output';
import { MigrationsReady } from './migrations-ready';

@Command({ name: 'grant', arguments: '<holder> <permissions...>', description: 'Grant permissions to a principal or a group' })
export class GrantCommand extends CommandRunner {
  constructor(
    private readonly principals: PrincipalsService,
    private readonly ready: MigrationsReady,
  ) {
    super();
  }

  async run([holder, ...permissions]: string[]): Promise<void> {
    await this.ready.check();
    await this.principals.grant(holder, permissions);
    cliOutput.result(`granted ${permissions.join(', ')} to ${holder}`);
  }
}

@Command({ name: 'revoke', arguments: '<holder> <permissions...>', description: 'Take permissions from a principal or a group' })
export class RevokeCommand extends CommandRunner {
  constructor(
    private readonly principals: PrincipalsService,
    private readonly ready: MigrationsReady,
  ) {
    super();
  }

  async run([holder, ...permissions]: string[]): Promise<void> {
    await this.ready.check();
    await this.principals.revoke(holder, permissions);
    cliOutput.result(`revoked ${permissions.join(', ')} from ${holder}`);
  }
}
