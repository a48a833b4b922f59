import { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { decodeCursor, encodeCursor } from './keyset-cursor';

export interface KeysetPage<T> {
  items: T[];
  nextCursor: string | null;
}

/** The columns a list is ordered by: a time, then the id to break ties. */
export interface KeysetColumns<T> {
  time: string;
  id: string;
  timeOf: (row: T) => Date;
}

/**
 * Reads one page of `qb` ordered by (time, id): stable while rows are inserted, no duplicates, no
 * gaps. One row more than the limit is read to know whether a next page exists.
 */
export async function readKeysetPage<T extends ObjectLiteral & { id: string }>(
  qb: SelectQueryBuilder<T>,
  columns: KeysetColumns<T>,
  page: { limit: number; cursor?: string; order: 'asc' | 'desc' },
): Promise<KeysetPage<T>> {
  if (page.cursor) {
    const position = decodeCursor(page.cursor, page.order);
    const beyond = page.order === 'desc' ? '<' : '>';
    // A row-value comparison, not `t < x OR (t = x AND id < y)`: both databases turn it into a range
    // on the (…, time, id) index, so a page deep in a long list costs what the first one does.
    qb.andWhere(`(${columns.time}, ${columns.id}) ${beyond} (:cursorAt, :cursorId)`, {
      cursorAt: position.createdAt,
      cursorId: position.id,
    });
  }
  const direction = page.order === 'desc' ? 'DESC' : 'ASC';
  const rows = await qb
    .orderBy(columns.time, direction)
    .addOrderBy(columns.id, direction)
    .limit(page.limit + 1)
    .getMany();
  const items = rows.slice(0, page.limit);
  const last = items[items.length - 1];
  const nextCursor =
    rows.length > page.limit && last ? encodeCursor({ createdAt: columns.timeOf(last), id: last.id, order: page.order }) : null;
  return { items, nextCursor };
}
