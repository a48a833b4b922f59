import { Injectable } from '@nestjs/common';
import { Command, CommandRunner } from 'nest-commander';
import { PrincipalsService } from '../auth/principals.service';
import { cliOutput } from './cli-output';
import { CliAudit } from './cli-audit';
import { MigrationsReady } from './migrations-ready';

interface Direction {
  change: 'grant' | 'revoke';
  action: 'grant.create' | 'grant.delete';
  /** `granted … to`, `revoked … from`. */
  said: [verb: string, preposition: string];
}

/** `grant` and `revoke`: the same steps in opposite directions; only what changed is audited. */
@Injectable()
abstract class PermissionChangeCommand extends CommandRunner {
  protected abstract readonly direction: Direction;

  constructor(
    private readonly principals: PrincipalsService,
    private readonly ready: MigrationsReady,
    private readonly audit: CliAudit,
  ) {
    super();
  }

  async run([holder, ...permissions]: string[]): Promise<void> {
    await this.ready.check();
    const { change, action, said } = this.direction;
    const changed = await this.principals[change](holder, permissions);
    if (changed.permissions.length > 0) {
      await this.audit.record(action, changed.holder, { holder, permissions: changed.permissions });
    }
    cliOutput.result(`${said[0]} ${permissions.join(', ')} ${said[1]} ${holder}`);
  }
}

@Command({ name: 'grant', arguments: '<holder> <permissions...>', description: 'Grant permissions to a principal or a group' })
export class GrantCommand extends PermissionChangeCommand {
  protected readonly direction: Direction = { change: 'grant', action: 'grant.create', said: ['granted', 'to'] };
}

@Command({ name: 'revoke', arguments: '<holder> <permissions...>', description: 'Take permissions from a principal or a group' })
export class RevokeCommand extends PermissionChangeCommand {
  protected readonly direction: Direction = { change: 'revoke', action: 'grant.delete', said: ['revoked', 'from'] };
}
