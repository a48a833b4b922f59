import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { In, LessThan, Repository } from 'typeorm';
import { ConflictError } from '../common/domain-errors';
import { SensitiveKwargs } from '../secrets/sensitive-kwargs';
import { TaskRegistry } from '../task-registry/task-registry';
import { ExecuteTaskDto } from './dto/execute-task.dto';
import { Execution } from './execution.entity';

/** What a key may be: 1-255 visible ASCII characters. */
export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** How long a key stays bound to its execution. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000;

/** A request that carries a key: the execution it would create, and what was asked. */
export interface KeyedRequest {
  execution: Execution;
  key: string;
  request: ExecuteTaskDto;
}

/** What a key says about a request: a new execution (the key now bound to it), a replay of an earlier one, or a conflict. */
export type KeyClaim = { fresh: true } | { replay: Execution } | { conflict: ConflictError };

/**
 * `Idempotency-Key`, per principal: the same key with the same request within the window is the
 * same execution (no second job); with another request it is a 409. After the window the key is free.
 */
@Injectable()
export class IdempotencyKeys {
  constructor(
    @InjectRepository(Execution) private readonly executions: Repository<Execution>,
    private readonly registry: TaskRegistry,
    private readonly sensitive: SensitiveKwargs,
  ) {}

  /**
   * Prepares `execution` to carry the key. Returns the earlier execution when this is a replay;
   * throws 409 when the key was used for a different request.
   */
  async claim(execution: Execution, key: string, request: ExecuteTaskDto): Promise<Execution | null> {
    const [claim] = await this.claimMany(execution.ownerId, [{ execution, key, request }]);
    if ('conflict' in claim) throw claim.conflict;
    return 'replay' in claim ? claim.replay : null;
  }

  /**
   * The claims of one principal's requests, in order, in two queries whatever their number. A key
   * repeated among them binds to its first fresh request: the later ones replay it or conflict.
   */
  async claimMany(ownerId: string, requests: KeyedRequest[]): Promise<KeyClaim[]> {
    const keys = [...new Set(requests.map((entry) => entry.key))];
    const windowStart = new Date(Date.now() - IDEMPOTENCY_WINDOW_MS);
    // A key older than the window is released, so the unique index lets it be used again.
    // updated_at from the application clock like every other write, not TypeORM's CURRENT_TIMESTAMP (the database clock).
    await this.executions.update(
      { ownerId, idempotencyKey: In(keys), createdAt: LessThan(windowStart) },
      { idempotencyKey: null, updatedAt: new Date() },
    );
    const earlier = await this.executions.findBy({ ownerId, idempotencyKey: In(keys) });
    const bound = new Map(earlier.map((execution) => [execution.idempotencyKey!, execution]));
    return requests.map(({ execution, key, request }): KeyClaim => {
      // Sensitive values enter the digest as keyed fingerprints: the stored hash cannot be tested against guesses.
      const kwargs = this.sensitive.fingerprint(this.registry.find(request.task_name), request.kwargs ?? {});
      const hash = requestHash({ ...request, kwargs });
      const holder = bound.get(key);
      if (holder) {
        return holder.idempotencyHash === hash
          ? { replay: holder }
          : { conflict: new ConflictError('this idempotency key was already used with a different request') };
      }
      execution.idempotencyKey = key;
      execution.idempotencyHash = hash;
      bound.set(key, execution);
      return { fresh: true };
    });
  }
}

/** A stable digest of what the caller asked for: key order in objects does not matter. */
export function requestHash(request: ExecuteTaskDto): string {
  const { task_name, args, kwargs, resource, priority, delay_ms, timeout_ms, callback_url } = request;
  return createHash('sha256')
    .update(canonicalJson({ task_name, args: args ?? [], kwargs: kwargs ?? {}, resource, priority, delay_ms, timeout_ms, callback_url }))
    .digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
