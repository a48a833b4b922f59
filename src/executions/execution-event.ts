import type { ExecutionDto } from './dto/execution.dto';
import type { Execution } from './execution.entity';
import type { ExecutionStatus } from './execution-status';
import { isTerminal } from './execution-status';

/** The longest `message` an event carries; the record keeps it whole. */
export const EVENT_MESSAGE_CHARS = 256;

/**
 * What Redis carries and keeps of one change: the status, progress and timestamps, never the
 * arguments, result or traceback, so an execution's history stays a few KiB whatever its size.
 * A reader that needs the whole record reads it from SQL.
 */
export interface ExecutionChange {
  id: string;
  status: ExecutionStatus;
  progress: number;
  stage: string | null;
  message: string | null;
  total_items: number | null;
  completed_items: number | null;
  attempts: number;
  is_complete: boolean;
  updated_at: string;
}

/** One change as the feed delivers it. */
export interface ExecutionChangeEvent {
  /** The Redis stream entry id (`<ms>-<seq>`): increasing per execution, the SSE `id:`. */
  id: string;
  change: ExecutionChange;
}

/** One change as an SSE client receives it: the record, with the change's own status and progress. */
export interface ExecutionEvent {
  id: string;
  execution: ExecutionDto;
}

export function toExecutionChange(execution: Execution): ExecutionChange {
  const message = execution.message === null ? null : [...execution.message].slice(0, EVENT_MESSAGE_CHARS).join('');
  return {
    id: execution.id,
    status: execution.status,
    progress: execution.progress,
    stage: execution.stage,
    message,
    total_items: execution.totalItems,
    completed_items: execution.completedItems,
    attempts: execution.attempts,
    is_complete: isTerminal(execution.status),
    updated_at: execution.updatedAt.toISOString(),
  };
}

const STREAM_ID = /^(\d{1,20})-(\d{1,20})$/;

export function isStreamId(value: string): boolean {
  return STREAM_ID.test(value);
}

/** Orders two stream ids: negative when `a` came first. */
export function compareStreamIds(a: string, b: string): number {
  const [aMs, aSeq] = streamIdParts(a);
  const [bMs, bSeq] = streamIdParts(b);
  const byMs = aMs - bMs;
  if (byMs !== 0n) return byMs < 0n ? -1 : 1;
  const bySeq = aSeq - bSeq;
  return bySeq === 0n ? 0 : bySeq < 0n ? -1 : 1;
}

/** An id that is not a stream id counts as `0-0`. */
function streamIdParts(id: string): [bigint, bigint] {
  const match = STREAM_ID.exec(id);
  return match ? [BigInt(match[1]), BigInt(match[2])] : [0n, 0n];
}
