import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import IORedis from 'ioredis';
import { In, Repository } from 'typeorm';
import { QuotaExceededError, ServiceUnavailableError } from '../common/domain-errors';
import { AppConfig } from '../config/app-config';
import { Execution } from '../executions/execution.entity';
import { isTerminal } from '../executions/execution-status';
import { createRedisConnection } from '../queue/redis-connection';
import { QuotaLimit, QuotaSubject, quotaExceededMessage } from './quota-subjects';

const HOUR_MS = 3_600_000;
/** A claimed id with no record yet is a request still on its way in, unless it was claimed this long ago. */
const IN_FLIGHT_GRACE_MS = 60_000;
/** Ids per `IN (…)` when pruning: well under both databases' parameter limits. */
const CHUNK = 1000;

/**
 * One atomic claim of a slot in every ledger of the subjects, or none (SPEC 7.13). KEYS: per subject
 * its hour set then its active set. ARGV: the hour in ms, the execution id, then per subject its
 * per_hour and concurrent limits (0: none; that set is then neither read nor written). Time is
 * Redis's own, so API processes whose clocks differ still share one sliding hour.
 * Answers {0} when claimed, else {subject index (1-based), limit, ms until the hour frees a slot}.
 */
const CLAIM_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local hour = tonumber(ARGV[1])
local id = ARGV[2]
local subjects = #KEYS / 2
for i = 1, subjects do
  local perHour = tonumber(ARGV[1 + 2 * i])
  local concurrent = tonumber(ARGV[2 + 2 * i])
  if perHour > 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[2 * i - 1], '-inf', now - hour)
    local count = redis.call('ZCARD', KEYS[2 * i - 1])
    if count >= perHour then
      local freeing = redis.call('ZRANGE', KEYS[2 * i - 1], count - perHour, count - perHour, 'WITHSCORES')
      return {i, 'per_hour', tonumber(freeing[2]) + hour - now}
    end
  end
  if concurrent > 0 and redis.call('ZCARD', KEYS[2 * i]) >= concurrent then
    return {i, 'concurrent', 0}
  end
end
for i = 1, subjects do
  if tonumber(ARGV[1 + 2 * i]) > 0 then
    redis.call('ZADD', KEYS[2 * i - 1], now, id)
    redis.call('PEXPIRE', KEYS[2 * i - 1], hour)
  end
  if tonumber(ARGV[2 + 2 * i]) > 0 then redis.call('ZADD', KEYS[2 * i], now, id) end
end
return {0, '', 0}
`;

type ClaimReply = [index: number, limit: '' | QuotaLimit, freeInMs: number];

interface QuotaRedis extends IORedis {
  claimQuota(...args: Array<string | number>): Promise<ClaimReply>;
}

/** What a subject has left: null where it sets no limit. */
export interface QuotaLeft {
  per_hour: number | null;
  concurrent: number | null;
}

/**
 * The quota ledger, shared by every API process through Redis: per subject, a sorted set of the
 * execution ids admitted in the last hour and one of those not yet finished, scored by claim time.
 * A claim takes a slot in every subject of a request at once or in none. Nothing decrements the
 * active set when an execution ends: when it is full, the members whose records are finished (or
 * missing, long after their claim) are pruned from the database's statuses and the claim is tried
 * once more, so the database stays the truth and a lost release can never block for good.
 * See docs/quotas.md.
 */
@Injectable()
export class QuotaLedger implements OnApplicationShutdown {
  private readonly logger = new Logger(QuotaLedger.name);
  private connection?: QuotaRedis;

  constructor(
    private readonly config: AppConfig,
    @InjectRepository(Execution) private readonly executions: Repository<Execution>,
  ) {}

  /** Counts `executionId` against every subject's quotas, or throws a 429 naming the first one it would exceed. */
  async claim(subjects: QuotaSubject[], executionId: string): Promise<void> {
    if (subjects.length === 0) return;
    let reply = await this.tryClaim(subjects, executionId);
    if (reply[0] !== 0 && reply[1] === 'concurrent') {
      await this.prune(subjects[reply[0] - 1]).catch((error) => Promise.reject(unavailable(error)));
      // Tried again whatever this prune found: another process may have pruned the same set first,
      // freeing the slots this one would have (its own claim then made the set look full still).
      reply = await this.tryClaim(subjects, executionId);
    }
    const [index, limit, freeInMs] = reply;
    if (index === 0 || limit === '') return;
    const subject = subjects[index - 1];
    throw new QuotaExceededError(
      quotaExceededMessage(subject, limit),
      limit === 'per_hour' ? Math.max(1, Math.ceil(freeInMs / 1000)) : null,
    );
  }

  /** Gives back a claim whose execution was not made after all (refused later, not written, a replay). */
  async release(subjects: QuotaSubject[], executionId: string): Promise<void> {
    if (subjects.length === 0) return;
    try {
      const keys = subjects.flatMap((subject) => [this.key(subject, 'hour'), this.key(subject, 'active')]);
      const multi = this.redis().multi();
      for (const key of keys) multi.zrem(key, executionId);
      await multi.exec();
    } catch (error) {
      // The active slot comes back by pruning; the hourly one at the latest within the hour.
      this.logger.warn(`could not release a quota claim of execution ${executionId}: ${(error as Error).message}`);
    }
  }

  /** What the subject has left now; the active set is pruned first, so finished executions no longer count. */
  async left(subject: QuotaSubject): Promise<QuotaLeft> {
    const { per_hour, concurrent } = subject.quota;
    try {
      const redis = this.redis();
      const used = per_hour ? await redis.zcount(this.key(subject, 'hour'), `(${Date.now() - HOUR_MS}`, '+inf') : 0;
      if (concurrent) await this.prune(subject);
      const active = concurrent ? await redis.zcard(this.key(subject, 'active')) : 0;
      return {
        per_hour: per_hour ? Math.max(0, per_hour - used) : null,
        concurrent: concurrent ? Math.max(0, concurrent - active) : null,
      };
    } catch (error) {
      throw unavailable(error);
    }
  }

  onApplicationShutdown(): void {
    this.connection?.disconnect();
  }

  private async tryClaim(subjects: QuotaSubject[], executionId: string): Promise<ClaimReply> {
    const keys = subjects.flatMap((subject) => [this.key(subject, 'hour'), this.key(subject, 'active')]);
    const limits = subjects.flatMap(({ quota }) => [quota.per_hour ?? 0, quota.concurrent ?? 0]);
    try {
      const [index, limit, freeInMs] = await this.redis().claimQuota(keys.length, ...keys, HOUR_MS, executionId, ...limits);
      return [Number(index), limit, Number(freeInMs)];
    } catch (error) {
      throw unavailable(error);
    }
  }

  /**
   * Drops from the subject's active set the executions that are finished, or that have no record
   * though claimed long ago (a request that died between its claim and its insert).
   */
  private async prune(subject: QuotaSubject): Promise<void> {
    const key = this.key(subject, 'active');
    const flat = await this.redis().zrange(key, 0, -1, 'WITHSCORES');
    const claimedAt = new Map<string, number>();
    for (let i = 0; i < flat.length; i += 2) claimedAt.set(flat[i], Number(flat[i + 1]));
    const ids = [...claimedAt.keys()];
    const status = new Map<string, Execution['status']>();
    for (let start = 0; start < ids.length; start += CHUNK) {
      const rows = await this.executions.find({ select: { id: true, status: true }, where: { id: In(ids.slice(start, start + CHUNK)) } });
      for (const row of rows) status.set(row.id, row.status);
    }
    const oldest = Date.now() - IN_FLIGHT_GRACE_MS;
    const gone = ids.filter((id) => {
      const current = status.get(id);
      return current === undefined ? claimedAt.get(id)! < oldest : isTerminal(current);
    });
    if (gone.length > 0) await this.redis().zrem(key, ...gone);
  }

  private key(subject: QuotaSubject, set: 'hour' | 'active'): string {
    return `${this.config.queuePrefix}:quota:${subject.kind}:${subject.id}:${set}`;
  }

  private redis(): QuotaRedis {
    if (!this.connection) {
      // Made on first use, by a caller with a quota: commands wait for the connection at start, not while Redis is away.
      const connection = createRedisConnection(this.config.redisUrl, 'limiter');
      connection.on('error', () => undefined);
      connection.defineCommand('claimQuota', { lua: CLAIM_SCRIPT });
      this.connection = connection as QuotaRedis;
    }
    return this.connection;
  }
}

function unavailable(error: unknown): ServiceUnavailableError {
  return new ServiceUnavailableError(`quotas cannot be checked: ${(error as Error).message}`);
}
