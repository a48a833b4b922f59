import { ExecutionStatus } from './execution-status';

/** The only moves a status may make (SPEC §3); terminal statuses never change. */
const ALLOWED: Record<ExecutionStatus, readonly ExecutionStatus[]> = {
  // Approved (quorum reached), or rejected / timed out / cancelled by its owner (SPEC 7.11).
  awaiting_approval: ['pending', 'cancelled'],
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
