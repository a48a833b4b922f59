import { Injectable } from '@nestjs/common';
import { Command, CommandRunner, Option } from 'nest-commander';
import { GrantTerms, PrincipalsService } from '../auth/principals.service';
import { InvalidInputError } from '../common/domain-errors';
import type { GrantApproval } from '../permissions/grant-approval';
import type { GrantConditions } from '../permissions/grant-conditions';
import { cliOutput } from './cli-output';
import { CliAudit } from './cli-audit';
import { MigrationsReady } from './migrations-ready';
import { QuotaOptions, quotaOf, wholeNumber } from './quota-options';

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

  async run([holder, ...permissions]: string[], options: GrantOptions = {}): Promise<void> {
    await this.ready.check();
    const { change, action, said } = this.direction;
    const terms = termsOf(options);
    const changed =
      change === 'grant' ? await this.principals.grant(holder, permissions, terms) : await this.principals.revoke(holder, permissions);
    const stated = Object.fromEntries(Object.entries(terms).filter(([, value]) => value !== null));
    if (changed.permissions.length > 0) {
      await this.audit.record(action, changed.holder, { holder, permissions: changed.permissions, ...stated });
    }
    if (changed.updated?.length) {
      await this.audit.record('grant.update', changed.holder, { holder, permissions: changed.updated, ...terms });
    }
    const only = terms.conditions ? ` only where ${JSON.stringify(terms.conditions)}` : '';
    const waits = terms.approval ? `, after ${terms.approval.quorum} approval(s) from group ${terms.approval.group}` : '';
    const limited = terms.quota ? `, quota ${JSON.stringify(terms.quota)}` : '';
    cliOutput.result(`${said[0]} ${permissions.join(', ')} ${said[1]} ${holder}${change === 'grant' ? only + waits + limited : ''}`);
  }
}

interface GrantOptions extends QuotaOptions {
  where?: string;
  approvalGroup?: string;
  quorum?: string;
  approvalTimeout?: string;
}

/** The terms the options state; the service checks them (so `--quorum x` is a 400 like any other). */
function termsOf(options: GrantOptions): GrantTerms {
  const approvalGiven = options.approvalGroup !== undefined || options.quorum !== undefined || options.approvalTimeout !== undefined;
  if (approvalGiven && options.approvalGroup === undefined)
    throw new InvalidInputError(['--quorum and --approval-timeout need --approval-group']);
  return {
    conditions: options.where === undefined ? null : parseWhere(options.where),
    approval: approvalGiven
      ? ({
          group: options.approvalGroup,
          ...(options.quorum !== undefined ? { quorum: wholeNumber(options.quorum) } : {}),
          ...(options.approvalTimeout !== undefined ? { timeout: options.approvalTimeout } : {}),
        } as GrantApproval)
      : null,
    quota: quotaOf(options),
  };
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

  @Option({ flags: '--approval-group <group>', description: 'SPEC 7.11: matching requests wait for approval by members of this group' })
  parseApprovalGroup(value: string): string {
    return value;
  }

  @Option({ flags: '--quorum <n>', description: 'distinct approvals needed, 1-10 (default 1)' })
  parseQuorum(value: string): string {
    return value;
  }

  @Option({ flags: '--approval-timeout <duration>', description: 'cancelled if not approved within it, e.g. 30m, 24h (default 24h)' })
  parseApprovalTimeout(value: string): string {
    return value;
  }

  @Option({ flags: '--quota-per-hour <n>', description: 'SPEC 7.13: executions this grant authorizes in any hour' })
  parseQuotaPerHour(value: string): string {
    return value;
  }

  @Option({ flags: '--quota-concurrent <n>', description: 'SPEC 7.13: its executions pending, awaiting approval or running at once' })
  parseQuotaConcurrent(value: string): string {
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
