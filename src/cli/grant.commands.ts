import { Command, CommandRunner } from 'nest-commander';
import { PrincipalsService } from '../auth/principals.service';
import { cliOutput } from './cli-output';
import { CliAudit } from './cli-audit';
import { MigrationsReady } from './migrations-ready';

@Command({ name: 'grant', arguments: '<holder> <permissions...>', description: 'Grant permissions to a principal or a group' })
export class GrantCommand extends CommandRunner {
  constructor(
    private readonly principals: PrincipalsService,
    private readonly ready: MigrationsReady,
    private readonly audit: CliAudit,
  ) {
    super();
  }

  async run([holder, ...permissions]: string[]): Promise<void> {
    await this.ready.check();
    const change = await this.principals.grant(holder, permissions);
    if (change.permissions.length > 0) {
      await this.audit.record('grant.create', change.holder, { holder: holder, permissions: change.permissions });
    }
    cliOutput.result(`granted ${permissions.join(', ')} to ${holder}`);
  }
}

@Command({ name: 'revoke', arguments: '<holder> <permissions...>', description: 'Take permissions from a principal or a group' })
export class RevokeCommand extends CommandRunner {
  constructor(
    private readonly principals: PrincipalsService,
    private readonly ready: MigrationsReady,
    private readonly audit: CliAudit,
  ) {
    super();
  }

  async run([holder, ...permissions]: string[]): Promise<void> {
    await this.ready.check();
    const change = await this.principals.revoke(holder, permissions);
    if (change.permissions.length > 0) {
      await this.audit.record('grant.delete', change.holder, { holder: holder, permissions: change.permissions });
    }
    cliOutput.result(`revoked ${permissions.join(', ')} from ${holder}`);
  }
}
