import { Command, CommandRunner, Option } from 'nest-commander';
import { PrincipalsService } from '../auth/principals.service';
import { cliOutput, collect } from './cli-output';
import { CliAudit } from './cli-audit';
import { MigrationsReady } from './migrations-ready';

interface PrincipalCreateOptions {
  service?: boolean;
  admin?: boolean;
  permission?: string[];
  group?: string[];
}

@Command({ name: 'principal:create', arguments: '<name>', description: 'Create a user (or, with --service, a service account)' })
export class PrincipalCreateCommand extends CommandRunner {
  constructor(
    private readonly principals: PrincipalsService,
    private readonly ready: MigrationsReady,
    private readonly audit: CliAudit,
  ) {
    super();
  }

  async run([name]: string[], options: PrincipalCreateOptions): Promise<void> {
    await this.ready.check();
    const principal = await this.principals.createPrincipal({
      name,
      kind: options.service ? 'service' : 'user',
      isAdmin: options.admin ?? false,
      permissions: options.permission ?? [],
      groups: options.group ?? [],
    });
    await this.audit.record(
      'principal.create',
      { type: 'principal', id: principal.id },
      {
        name,
        kind: principal.kind,
        is_admin: principal.isAdmin,
        permissions: options.permission ?? [],
        groups: options.group ?? [],
      },
    );
    cliOutput.result(`created ${principal.kind} ${principal.name} (${principal.id})${principal.isAdmin ? ', admin' : ''}`);
  }

  @Option({ flags: '--service', description: 'a service account rather than a user' })
  parseService(): boolean {
    return true;
  }

  @Option({ flags: '--admin', description: 'may do everything' })
  parseAdmin(): boolean {
    return true;
  }

  @Option({ flags: '--permission <permission>', description: 'grant a permission (repeatable)' })
  parsePermission(value: string, previous?: string[]): string[] {
    return collect(value, previous);
  }

  @Option({ flags: '--group <group>', description: 'add to an existing group (repeatable)' })
  parseGroup(value: string, previous?: string[]): string[] {
    return collect(value, previous);
  }
}
