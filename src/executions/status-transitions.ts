import { ExecutionStatus } from './execution-status';

/** The only moves a status may make (SPEC §3); terminal statuses never change. */
const ALLOWED: Record<ExecutionStatus, readonly ExecutionStatus[]> = {
  pending: ['running', 'cancelled'],
  running: ['pending', 'completed', 'failed', 'cancelled', 'timeout'],
  completed: [],
  failed: [],
  cancelled: [],
  timeout: [],
};

export function canMove(from: ExecutionStatus, to: ExecutionStatus): boolean {
  return ALLOWED[from].includes(to);
}
