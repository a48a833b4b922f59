import { Injectable } from '@nestjs/common';
import { AuditEntry, AuditLog } from '../audit/audit-log';
import { statusOf } from '../common/api-exception.filter';
import { DomainError, InvalidInputError, QuotaExceededError } from '../common/domain-errors';
import { checkDto } from '../common/validation.pipe';
import { isUniqueViolation } from '../database/unique-violation';
import { Caller } from '../permissions/caller';
import { QuotaLedger } from '../quotas/quota-ledger';
import { QuotaSubject, quotaSubjects } from '../quotas/quota-subjects';
import { BatchItemResultDto, ExecuteBatchItemDto, ExecuteBatchResultDto } from './dto/execute-batch.dto';
import { ExecuteTaskDto } from './dto/execute-task.dto';
import { ExecuteDenied } from './execute-denied';
import { Admission, ExecutionIntake } from './execution-intake';
import { ExecutionsService } from './executions.service';
import { IdempotencyKeys } from './idempotency-keys';

/** Tries at writing a batch when another request takes one of its keys meanwhile. */
const KEY_RACE_ATTEMPTS = 3;

/** An item that passed every check: what it asked for and what to write. */
interface Admitted {
  index: number;
  request: ExecuteTaskDto;
  key?: string;
  admission: Admission;
  /** The quotas it was counted against (SPEC 7.13), once counted. */
  quotas?: QuotaSubject[];
}

/**
 * `POST /tasks/execute-batch`: each item goes through the checks of a single execute on its own
 * (ExecutionsService.admissionFor) and gets the status it would have had alone; the accepted ones
 * are written in one transaction and enqueued in one round trip per queue (ExecutionIntake.admitAll).
 */
@Injectable()
export class BatchSubmissionsService {
  constructor(
    private readonly submissions: ExecutionsService,
    private readonly intake: ExecutionIntake,
    private readonly idempotency: IdempotencyKeys,
    private readonly audit: AuditLog,
    private readonly quotas: QuotaLedger,
  ) {}

  async submit(caller: Caller, items: Record<string, unknown>[]): Promise<ExecuteBatchResultDto> {
    const results: BatchItemResultDto[] = [];
    const admitted: Admitted[] = [];
    const denials: AuditEntry[] = [];
    for (const [index, item] of items.entries()) {
      try {
        const { idempotency_key: key, ...request } = await validItem(item);
        admitted.push({ index, request, key, admission: await this.submissions.admissionFor(caller, request) });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        if (error instanceof ExecuteDenied) denials.push(error.audit);
        results[index] = refused(index, error);
      }
    }
    // Refusals are audited like single ones, in one INSERT.
    await this.audit.recordMany(denials);
    await this.admit(caller, admitted, results);
    const accepted = results.filter((result) => result.status === 202).length;
    return { accepted, rejected: results.length - accepted, results };
  }

  /** Settles the keys, then writes and enqueues the fresh executions; on a key race, settles them again. */
  private async admit(caller: Caller, admitted: Admitted[], results: BatchItemResultDto[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const fresh = await this.countQuotas(caller, await this.claimKeys(caller, admitted, results), results);
      try {
        await this.intake.admitAll(fresh.map((entry) => entry.admission));
      } catch (error) {
        await this.releaseQuotas(fresh);
        // Another request took one of the keys since they were claimed: nothing was written; claim again.
        if (isUniqueViolation(error) && attempt < KEY_RACE_ATTEMPTS) continue;
        throw error;
      }
      for (const { index, admission } of fresh) results[index] = { index, status: 202, execution_id: admission.execution.id };
      return;
    }
  }

  /**
   * SPEC 7.13: the items that make new executions, counted against their quotas one by one in item
   * order, as if sent one after the other; those over a quota are answered 429, the earlier ones go on.
   */
  private async countQuotas(caller: Caller, fresh: Admitted[], results: BatchItemResultDto[]): Promise<Admitted[]> {
    const counted: Admitted[] = [];
    for (const entry of fresh) {
      const subjects = quotaSubjects(caller, entry.admission.decision);
      try {
        await this.quotas.claim(subjects, entry.admission.execution.id);
      } catch (error) {
        if (!(error instanceof QuotaExceededError)) {
          await this.releaseQuotas(counted);
          throw error;
        }
        results[entry.index] = refused(entry.index, error);
        continue;
      }
      entry.quotas = subjects;
      counted.push(entry);
    }
    return counted;
  }

  private async releaseQuotas(counted: Admitted[]): Promise<void> {
    await Promise.all(counted.map((entry) => this.quotas.release(entry.quotas ?? [], entry.admission.execution.id)));
    for (const entry of counted) entry.quotas = undefined;
  }

  /** The admitted items that make new executions; those whose key replays (202) or conflicts (409) are answered. */
  private async claimKeys(caller: Caller, admitted: Admitted[], results: BatchItemResultDto[]): Promise<Admitted[]> {
    const keyed = admitted.filter((entry) => entry.key !== undefined);
    if (keyed.length === 0) return admitted;
    for (const { admission } of keyed) Object.assign(admission.execution, { idempotencyKey: null, idempotencyHash: null });
    const claims = await this.idempotency.claimMany(
      caller.principal.id,
      keyed.map(({ admission, key, request }) => ({ execution: admission.execution, key: key!, request })),
    );
    const taken = new Set<Admitted>();
    claims.forEach((claim, i) => {
      const { index } = keyed[i];
      if ('replay' in claim) results[index] = { index, status: 202, execution_id: claim.replay.id };
      else if ('conflict' in claim) results[index] = refused(index, claim.conflict);
      else return;
      taken.add(keyed[i]);
    });
    return admitted.filter((entry) => !taken.has(entry));
  }
}

/** An item as the global pipe would have taken it as the body of a single execute; a 400 otherwise. */
async function validItem(item: Record<string, unknown>): Promise<ExecuteBatchItemDto> {
  const checked = await checkDto(ExecuteBatchItemDto, item);
  if (!checked.ok) throw new InvalidInputError(checked.problems);
  return checked.value;
}

/** What an item can be refused with; any other error is about the whole request. */
const ITEM_STATUSES = [400, 403, 404, 409, 429];

/** The status and `message` a single execute would have answered the item with. */
function refused(index: number, error: DomainError): BatchItemResultDto {
  const status = statusOf(error.kind);
  if (!ITEM_STATUSES.includes(status)) throw error;
  return { index, status, error: error instanceof InvalidInputError ? error.problems : error.message };
}
