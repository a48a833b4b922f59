import { Injectable } from '@nestjs/common';
import { hostname, userInfo } from 'node:os';
import { AuditAction } from '../audit/audit-event.entity';
import { AuditActor, AuditLog, AuditTarget } from '../audit/audit-log';

/** Changes made on the server's command line are audited too, as `cli:<os user>` from this host. */
@Injectable()
export class CliAudit {
  private readonly actor: AuditActor = { id: null, name: `cli:${osUser()}`, tokenId: null, address: hostname() };

  constructor(private readonly audit: AuditLog) {}

  record(action: AuditAction, target: AuditTarget, details: Record<string, unknown>): Promise<void> {
    return this.audit.record(this.actor, action, target, details);
  }
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown'; // a uid with no passwd entry, as in some containers
  }
}
