import { Command, CommandRunner, Option } from 'nest-commander';
import { PrincipalsService } from '../auth/principals.service';
import { cliOutput, collect } from './cli-output';
import { CliAudit } from './cli-audit';
import { MigrationsReady } from './migrations-ready';

@Command({ name: 'group:create', arguments: '<name>', description: 'Create a group' })
export class GroupCreateCommand extends CommandRunner {
  constructor(
    private readonly principals: PrincipalsService,
    private readonly ready: MigrationsReady,
    private readonly audit: CliAudit,
  ) {
    super();
  }

  async run([name]: string[], options: { permission?: string[] }): Promise<void> {
    await this.ready.check();
    const group = await this.principals.createGroup(name, options.permission ?? []);
    await this.audit.record('group.create', { type: 'group', id: group.id }, { name, permissions: options.permission ?? [] });
    cliOutput.result(`created group ${group.name} (${group.id})`);
  }

  @Option({ flags: '--permission <permission>', description: 'grant a permission to the group (repeatable)' })
  parsePermission(value: string, previous?: string[]): string[] {
    return collect(value, previous);
  }
}

@Command({ name: 'group:add', arguments: '<group> <principal>', description: 'Add a principal to a group' })
export class GroupAddCommand extends CommandRunner {
  constructor(
    private readonly principals: PrincipalsService,
    private readonly ready: MigrationsReady,
    private readonly audit: CliAudit,
  ) {
    super();
  }

  async run([group, principal]: string[]): Promise<void> {
    await this.ready.check();
    const membership = await this.principals.addMember(group, principal);
    if (membership.added) {
      await this.audit.record('group.add_member', { type: 'group', id: membership.group.id }, { group, principal });
    }
    cliOutput.result(`added ${principal} to ${group}`);
  }
}
