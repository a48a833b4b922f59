import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ExecutionQueues } from '../queue/execution-queues';
import { Execution } from './execution.entity';
import { ExecutionEventsPublisher } from './execution-events-publisher';
import { TERMINAL_STATUSES } from './execution-status';
import { UploadStore } from './upload-store';

/** Rows per statement: well under both databases' bound-parameter limits. */
const CHUNK = 1000;

/** What a removal deleted, per execution. */
export interface RemovedExecution {
  id: string;
  queue: string;
  filePath: string | null;
}

/**
 * Removes finished executions and everything that is theirs: the record (its webhook delivery rows
 * go with it by foreign key, the maintained counts by trigger), its upload once no other execution
 * names the file (a retry shares its original's), its event history in Redis and its finished job.
 * Used by `DELETE /executions/{id}` and by the retention sweep.
 */
@Injectable()
export class ExecutionRemoval {
  constructor(
    @InjectRepository(Execution) private readonly executions: Repository<Execution>,
    private readonly events: ExecutionEventsPublisher,
    private readonly uploads: UploadStore,
    private readonly queues: ExecutionQueues,
  ) {}

  /**
   * Deletes those of `ids` that are finished, in one statement per chunk guarded by the status, so
   * pending and running work is never touched whatever the caller read; answers the ones deleted.
   */
  async removeFinished(ids: readonly string[]): Promise<RemovedExecution[]> {
    const removed: RemovedExecution[] = [];
    for (let start = 0; start < ids.length; start += CHUNK) removed.push(...(await this.deleteChunk(ids.slice(start, start + CHUNK))));
    // After the records are gone: a file is released only when no remaining execution names it.
    for (const path of new Set(removed.map((execution) => execution.filePath))) await this.uploads.release(path);
    await Promise.all(removed.map((execution) => this.events.forget(execution.id)));
    await Promise.all(removed.map((execution) => this.queues.remove(execution.queue, execution.id)));
    return removed;
  }

  private async deleteChunk(ids: string[]): Promise<RemovedExecution[]> {
    if (ids.length === 0) return [];
    const { driver } = this.executions.manager.connection;
    const [sql, parameters] = driver.escapeQueryWithParameters(
      'DELETE FROM executions WHERE id IN (:...ids) AND status IN (:...finished) RETURNING id, queue, file_path',
      { ids, finished: [...TERMINAL_STATUSES] },
    );
    const runner = this.executions.manager.connection.createQueryRunner();
    try {
      const result = await runner.query(sql, parameters, true);
      return (result.records as Array<{ id: string; queue: string; file_path: string | null }>).map((row) => ({
        id: row.id,
        queue: row.queue,
        filePath: row.file_path,
      }));
    } finally {
      await runner.release();
    }
  }
}
