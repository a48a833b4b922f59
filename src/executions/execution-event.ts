import type { ExecutionDto } from './dto/execution.dto';

/** One change of an execution, as delivered to SSE and WebSocket clients. */
export interface ExecutionEvent {
  /** The Redis stream entry id (`<ms>-<seq>`): increasing per execution, the SSE `id:`. */
  id: string;
  execution: ExecutionDto;
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
