import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Execution } from '../executions/execution.entity';
import { COUNTED_STATUSES, CountedStatus, countedAs, ExecutionStatus } from '../executions/execution-status';
import { TimelineBucketDto, TimelineDto } from './dto/admin-overview.dto';

const HOUR_MS = 3_600_000;

/** Executions created per hour, grouped in SQL so it stays cheap on a large table. */
@Injectable()
export class AdminOverview {
  constructor(@InjectRepository(Execution) private readonly executions: Repository<Execution>) {}

  async timeline(hours: number, now = new Date()): Promise<TimelineDto> {
    const firstHour = Math.floor(now.getTime() / HOUR_MS) - hours + 1;
    const rows: Array<{ hour: string | number; status: ExecutionStatus; count: string | number }> = await this.executions
      .createQueryBuilder('e')
      .select(this.hourExpression(), 'hour')
      .addSelect('e.status', 'status')
      .addSelect('COUNT(*)', 'count')
      .where('e.created_at >= :since', { since: new Date(firstHour * HOUR_MS) })
      .groupBy('hour')
      .addGroupBy('e.status')
      .getRawMany();
    const buckets: TimelineBucketDto[] = Array.from({ length: hours }, (_, index) => ({
      start: new Date((firstHour + index) * HOUR_MS).toISOString(),
      total: 0,
      ...(Object.fromEntries(COUNTED_STATUSES.map((status) => [status, 0])) as Record<CountedStatus, number>),
    }));
    for (const row of rows) {
      const bucket = buckets[Number(row.hour) - firstHour];
      if (!bucket) continue;
      bucket[countedAs(row.status)] += Number(row.count);
      bucket.total += Number(row.count);
    }
    return { bucket_minutes: 60, buckets };
  }

  /** Hours since the epoch: the one expression that differs between the drivers. */
  private hourExpression(): string {
    return this.executions.manager.connection.options.type === 'postgres'
      ? 'FLOOR(EXTRACT(EPOCH FROM e.created_at) / 3600)'
      : "CAST(strftime('%s', e.created_at) AS INTEGER) / 3600";
  }
}
