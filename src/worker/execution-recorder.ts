import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository, UpdateResult } from 'typeorm';
import { ExecutionEventsPublisher } from '../executions/execution-events-publisher';
import { AppConfig } from '../config/app-config';
import { updateReturning } from '../database/update-returning';
import { maskId } from '../logging/redaction';
import { ProgressUpdate } from '../task-registry/task-context';
import { Execution } from '../executions/execution.entity';
import { persistWithRetry } from './persist-with-retry';
import { WriteBatcher } from '../common/write-batcher';
import { BatchedRunWrites, Claim, claimableSql, Completion } from './batched-run-writes';
import { ABANDONED_REASON, TAKEOVER_ALLOWED_SQL } from '../executions/takeover-rule';

const MAX_TRACEBACK_CHARS = 64 * 1024;
const MAX_TEXT_CHARS = 8 * 1024;
/** Claims or completions written in one statement at most. */
const MAX_BATCH = 200;

/**
 * The worker's writes to an execution record. After the claim, every write names the attempt it
 * belongs to (`attempts = mine`, status `running`), so a stale run can never overwrite a newer one.
 * Claims and completions, the two writes of every run, are batched (BatchedRunWrites): those asked
 * for while the previous batch is being written share one statement; each run still waits for the
 * commit of its own row, and a batch that fails is written again row by row (with the retries below).
 */
@Injectable()
export class ExecutionRecorder {
  private readonly logger = new Logger(ExecutionRecorder.name);
  private readonly claims: WriteBatcher<Claim, Execution | null>;
  private readonly completions: WriteBatcher<Completion, boolean>;

  constructor(
    @InjectRepository(Execution) private readonly executions: Repository<Execution>,
    private readonly events: ExecutionEventsPublisher,
    private readonly config: AppConfig,
    batched: BatchedRunWrites,
  ) {
    const onBatchFailure = (what: string) => (error: unknown, size: number) =>
      this.logger.warn(`${what} of ${size} runs failed (${(error as Error).message}); writing them one by one`);
    this.claims = new WriteBatcher({
      writeMany: (claims) => batched.claimMany(claims),
      writeOne: (claim) => this.claimOne(claim),
      onBatchFailure: onBatchFailure('a batched claim'),
      maxBatch: MAX_BATCH,
    });
    this.completions = new WriteBatcher({
      writeMany: (completions) => batched.completeMany(completions),
      writeOne: (completion) => this.completeOne(completion),
      onBatchFailure: onBatchFailure('a batched completion'),
      maxBatch: MAX_BATCH,
    });
  }

  /**
   * Moves the record to running and counts the attempt; null if it is not ours to run.
   * A `running` record is taken over only when its job has been started more often than the
   * record counts attempts (the job was redelivered because the worker running it died), and
   * only while attempts remain.
   */
  async claim(id: string, jobStarts: number, now = new Date()): Promise<Execution | null> {
    const run = await this.claims.write({ id, jobStarts, now });
    if (run) this.events.changed(run);
    return run;
  }

  /** The claim of one record, alone: the conditional update returns the record it claimed. */
  private async claimOne({ id, jobStarts, now }: Claim): Promise<Execution | null> {
    const [run] = await this.retried(`claiming execution ${maskId(id)}`, () =>
      updateReturning(
        this.executions,
        { status: 'running', attempts: () => 'attempts + 1', startedAt: now, completedAt: null, durationMs: null, updatedAt: now },
        // A running record without a job is reported by an external service: never taken over.
        `id = :id AND ${claimableSql('', ':jobStarts')}`,
        { id, jobStarts },
      ),
    );
    return run ?? null;
  }

  /**
   * A redelivered job whose record is still `running` with no attempt left: the worker of the last
   * attempt died. The record ends `failed`; true if this call settled it.
   */
  async failAbandoned(id: string, jobStarts: number, now = new Date()): Promise<boolean> {
    const [record] = await this.retried(`settling execution ${maskId(id)}`, () =>
      updateReturning(
        this.executions,
        { status: 'failed', error: ABANDONED_REASON, traceback: null, completedAt: now, updatedAt: now },
        `id = :id AND status = :running AND job_id IS NOT NULL AND attempts < :jobStarts AND NOT ${TAKEOVER_ALLOWED_SQL}`,
        { id, running: 'running', jobStarts },
      ),
    );
    if (!record) return false;
    this.events.changed(record);
    return true;
  }

  async progress(run: Execution, update: ProgressUpdate): Promise<boolean> {
    const fields: Partial<Execution> = {};
    if (update.progress !== undefined) fields.progress = Math.round(update.progress);
    if (update.stage !== undefined) fields.stage = update.stage.slice(0, 200);
    if (update.total_items !== undefined) fields.totalItems = update.total_items;
    if (update.completed_items !== undefined) fields.completedItems = update.completed_items;
    if (update.message !== undefined) fields.message = update.message.slice(0, MAX_TEXT_CHARS);
    if (Object.keys(fields).length === 0) return true;
    // Progress is a hint: a failed write is logged, and the handler goes on.
    try {
      return await this.writeOwnRun(run, fields, 'progress');
    } catch (error) {
      this.logger.warn(`progress of execution ${maskId(run.id)} not recorded: ${(error as Error).message}`);
      return false;
    }
  }

  async complete(run: Execution, result: unknown, now = new Date()): Promise<boolean> {
    const completion: Completion = { id: run.id, attempts: run.attempts, result, now, durationMs: elapsed(run, now) };
    if (!(await this.completions.write(completion))) return false;
    Object.assign(run, completedFields(completion), { updatedAt: now });
    this.events.changed(run);
    return true;
  }

  /** One completion, alone; `run` is not touched (complete does that for both ways). */
  private async completeOne(completion: Completion): Promise<boolean> {
    const values = { ...completedFields(completion), updatedAt: completion.now };
    const written = await this.retried(`recording the outcome of execution ${maskId(completion.id)}`, () =>
      this.fencedUpdate(completion, values),
    );
    return written.affected === 1;
  }

  /** A failed attempt: terminal when no attempt is left, otherwise back to pending with the error kept. */
  async fail(run: Execution, error: unknown, final: boolean, now = new Date()): Promise<boolean> {
    const { message, traceback } = describeError(error);
    return this.writeOwnRun(
      run,
      final
        ? { status: 'failed', error: message, traceback, completedAt: now, durationMs: elapsed(run, now) }
        : { status: 'pending', error: message, traceback },
    );
  }

  /** Ends the run as cancelled or timed out: terminal, whatever attempts remain. */
  async abort(run: Execution, status: 'cancelled' | 'timeout', reason: string, now = new Date()): Promise<boolean> {
    return this.writeOwnRun(run, { status, error: reason, completedAt: now, durationMs: elapsed(run, now) });
  }

  /**
   * The fenced write; on success `run` is brought up to date and the change published. Outcomes
   * are retried while the database is away (OUTCOME_WRITE_RETRY_MS); progress is not.
   */
  private async writeOwnRun(run: Execution, fields: Partial<Execution>, kind: 'progress' | 'change' = 'change'): Promise<boolean> {
    // updated_at is set here, not by the column default: SQLite's CURRENT_TIMESTAMP drops milliseconds.
    const values = { ...fields, updatedAt: new Date() };
    const write = () => this.fencedUpdate(run, values);
    const written = kind === 'progress' ? await write() : await this.retried(`recording the outcome of execution ${maskId(run.id)}`, write);
    if (!written.affected) return false;
    Object.assign(run, values);
    if (kind === 'progress') this.events.progressed(run);
    else this.events.changed(run);
    return true;
  }

  /** An update of the run's own record: only while it is running under the run's attempt. */
  private fencedUpdate(run: Pick<Execution, 'id' | 'attempts'>, values: Partial<Execution>): Promise<UpdateResult> {
    return this.executions
      .createQueryBuilder()
      .update(Execution)
      .set(values)
      .where('id = :id AND attempts = :attempts AND status = :running', { id: run.id, attempts: run.attempts, running: 'running' })
      .execute();
  }

  private retried<T>(what: string, write: () => Promise<T>): Promise<T> {
    return persistWithRetry(what, this.config.outcomeWriteRetryMs, write, this.logger);
  }
}

function completedFields(completion: Completion): Partial<Execution> {
  return {
    status: 'completed',
    result: completion.result,
    progress: 100,
    error: null,
    traceback: null,
    completedAt: completion.now,
    durationMs: completion.durationMs,
  };
}

function elapsed(run: Execution, now: Date): number {
  return Math.max(0, now.getTime() - (run.startedAt ?? now).getTime());
}

export function describeError(error: unknown): { message: string; traceback: string | null } {
  if (error instanceof Error) {
    const message = (error.message || error.name).slice(0, MAX_TEXT_CHARS);
    return { message, traceback: error.stack?.slice(0, MAX_TRACEBACK_CHARS) ?? null };
  }
  return { message: String(error).slice(0, MAX_TEXT_CHARS), traceback: null };
}
