import { SetMetadata } from '@nestjs/common';

export const EXECUTIONS_PER_REQUEST = 'taskgate:executions-per-request';

/** Reads from a request's body how many executions it asks for. */
export type ExecutionCount = (body: unknown) => number;

/** A route whose one request creates several executions: the execute rate limit counts each (default: one). */
export const ExecutionsPerRequest = (count: ExecutionCount) => SetMetadata(EXECUTIONS_PER_REQUEST, count);
