import { In, Repository } from 'typeorm';
import { Execution } from './execution.entity';

/**
 * Notes that the jobs of `ids` were handed to Redis. `updated_at` is kept: the note is
 * bookkeeping, not a change a client should see.
 */
export async function noteEnqueued(executions: Repository<Execution>, ids: string[], now = new Date()): Promise<void> {
  await executions
    .createQueryBuilder()
    .update(Execution)
    .set({ enqueuedAt: now, updatedAt: () => 'updated_at' })
    .where({ id: In(ids) })
    .execute();
}
