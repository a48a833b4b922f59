import { AuditEntry } from '../audit/audit-log';
import { PermissionDeniedError } from '../common/domain-errors';

/** A 403 for a task the caller may not run, carrying the audit row the refusal is recorded with. */
export class ExecuteDenied extends PermissionDeniedError {
  constructor(
    message: string,
    readonly audit: AuditEntry,
  ) {
    super(message);
  }
}
