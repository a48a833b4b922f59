import type { ExecutionChange } from '../executions/execution-event';

/**
 * How one socket names executions and renders their changes: the native messages, or a seed API's,
 * chosen when the connection is upgraded. Subscriptions, visibility and revocation are the same.
 */
export interface SocketDialect {
  /** The field of `subscribe`/`unsubscribe` (and `unsubscribed`) messages that names the execution. */
  idField: 'execution_id' | 'task_id';
  update(change: ExecutionChange): Record<string, unknown>;
}

export const NATIVE_DIALECT: SocketDialect = {
  idField: 'execution_id',
  update: ({ id, status, progress, stage, message, total_items, completed_items, is_complete }) => ({
    type: 'task_update',
    execution_id: id,
    status,
    progress,
    stage,
    message,
    total_items,
    completed_items,
    is_complete,
  }),
};
