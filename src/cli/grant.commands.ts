import { Injectable } from '@nestjs/common';
import { Command, CommandRunner, Option } from 'nest-commander';
import { PrincipalsService } from '../auth/principals.service';
import { InvalidInputError } from '../common/domain-errors';
import type { GrantConditions } from '../permissions/grant-conditions';
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
    protected readonly principals: PrincipalsService,
    private readonly ready: MigrationsReady,
    private readonly audit: CliAudit,
  ) {
    super();
  }

  async run([holder, ...permissions]: string[], options: { where?: string } = {}): Promise<void> {
    await this.ready.check();
    const { change, action, said } = this.direction;
    const conditions = options.where === undefined ? null : parseWhere(options.where);
    const changed =
      change === 'grant' ? await this.principals.grant(holder, permissions, conditions) : await this.principals.revoke(holder, permissions);
    const where = conditions ? { conditions } : {};
    if (changed.permissions.length > 0) {
      await this.audit.record(action, changed.holder, { holder, permissions: changed.permissions, ...where });
    }
    if (changed.updated?.length) {
      await this.audit.record('grant.update', changed.holder, { holder, permissions: changed.updated, conditions });
    }
    const only = conditions ? ` only where ${JSON.stringify(conditions)}` : '';
    cliOutput.result(`${said[0]} ${permissions.join(', ')} ${said[1]} ${holder}${change === 'grant' ? only : ''}`);
  }
}

@Command({ name: 'grant', arguments: '<holder> <permissions...>', description: 'Grant permissions to a principal or a group' })
export class GrantCommand extends PermissionChangeCommand {
  protected readonly direction: Direction = { change: 'grant', action: 'grant.create', said: ['granted', 'to'] };

  @Option({
    flags: '--where <json>',
    description:
      'conditions (SPEC 7.7), one permission only, e.g. \'{"kwargs.amount": {"$lte": 100}}\'; granting again without them makes the grant unconditional',
  })
  parseWhere(value: string): string {
    return value;
  }
}

/** Parsed in `run`, so a bad value fails like any other refusal (a message, exit 1); checked by the service. */
function parseWhere(value: string): GrantConditions {
  try {
    return JSON.parse(value) as GrantConditions;
  } catch {
    throw new InvalidInputError(['--where must be JSON, such as \'{"kwargs.amount": {"$lte": 100}}\'']);
  }
}

@Command({ name: 'revoke', arguments: '<holder> <permissions...>', description: 'Take permissions from a principal or a group' })
export class RevokeCommand extends PermissionChangeCommand {
  protected readonly direction: Direction = { change: 'revoke', action: 'grant.delete', said: ['revoked', 'from'] };
}
