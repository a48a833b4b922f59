import { Command, CommandRunner, Option } from 'nest-commander';
import { TokensService } from '../auth/tokens.service';
import { InvalidInputError } from '../common/domain-errors';
import { cliOutput, collect } from './cli-output';
import { parseDuration } from '../common/duration';
import { CliAudit } from './cli-audit';
import { MigrationsReady } from './migrations-ready';
import { QuotaOptions, quotaOf } from './quota-options';

interface TokenCreateOptions extends QuotaOptions {
  name?: string;
  expiresIn?: string;
  scope?: string[];
}

@Command({ name: 'token:create', arguments: '<principal>', description: 'Create an API token; prints the secret alone on stdout' })
export class TokenCreateCommand extends CommandRunner {
  constructor(
    private readonly tokens: TokensService,
    private readonly ready: MigrationsReady,
    private readonly audit: CliAudit,
  ) {
    super();
  }

  async run([principal]: string[], options: TokenCreateOptions): Promise<void> {
    await this.ready.check();
    let expiresAt: Date | null = null;
    if (options.expiresIn !== undefined) {
      const ms = parseDuration(options.expiresIn);
      if (ms === null) throw new InvalidInputError([`--expires-in "${options.expiresIn}" must look like 30d, 12h, 90m or 2w`]);
      expiresAt = new Date(Date.now() + ms);
    }
    const { token, secret } = await this.tokens.createForPrincipalName(principal, {
      name: options.name ?? 'cli',
      expiresAt,
      scopes: options.scope ?? null,
      quota: quotaOf(options),
    });
    await this.audit.record(
      'token.create',
      { type: 'token', id: token.id },
      {
        principal,
        name: token.name,
        scopes: token.scopes,
        expires_at: expiresAt?.toISOString() ?? null,
        quota: token.quota,
      },
    );
    const limited = token.quota ? `, quota ${JSON.stringify(token.quota)}` : '';
    cliOutput.note(`token ${token.id} for ${principal}${expiresAt ? `, expires ${expiresAt.toISOString()}` : ''}${limited} (shown once):`);
    cliOutput.result(secret);
  }

  @Option({ flags: '--name <name>', description: 'a label for the token' })
  parseName(value: string): string {
    return value;
  }

  @Option({ flags: '--expires-in <duration>', description: 'lifetime such as 30d, 12h or 90m' })
  parseExpiresIn(value: string): string {
    return value;
  }

  @Option({ flags: '--scope <permission>', description: 'limit the token to this permission (repeatable)' })
  parseScope(value: string, previous?: string[]): string[] {
    return collect(value, previous);
  }

  @Option({ flags: '--quota-per-hour <n>', description: 'SPEC 7.13: executions made with this token in any hour' })
  parseQuotaPerHour(value: string): string {
    return value;
  }

  @Option({ flags: '--quota-concurrent <n>', description: 'SPEC 7.13: its executions pending, awaiting approval or running at once' })
  parseQuotaConcurrent(value: string): string {
    return value;
  }
}

@Command({ name: 'token:revoke', arguments: '<token-id>', description: 'Revoke a token by its id' })
export class TokenRevokeCommand extends CommandRunner {
  constructor(
    private readonly tokens: TokensService,
    private readonly ready: MigrationsReady,
    private readonly audit: CliAudit,
  ) {
    super();
  }

  async run([tokenId]: string[]): Promise<void> {
    await this.ready.check();
    const token = await this.tokens.revoke(tokenId);
    await this.audit.record('token.revoke', { type: 'token', id: token.id }, { name: token.name, principal_id: token.principalId });
    cliOutput.result(`revoked token ${token.id} at ${token.revokedAt!.toISOString()}`);
  }
}
