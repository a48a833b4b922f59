import { Column, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { TimestampColumn } from '../database/timestamp-column';
import type { ApprovalRequirement, ApprovalVote, Authorization } from '../permissions/access-decision';
import type { ExecutionStatus } from './execution-status';

@Entity('executions')
@Index('idx_executions_created', ['createdAt', 'id'])
@Index('idx_executions_owner_created', ['ownerId', 'createdAt', 'id'])
@Index('idx_executions_status_created', ['status', 'createdAt', 'id'])
@Index('idx_executions_retried_from', ['retriedFrom'], { where: '"retried_from" IS NOT NULL' })
@Index('idx_executions_owner_status_created', ['ownerId', 'status', 'createdAt', 'id'])
@Index('idx_executions_task_created', ['taskName', 'createdAt', 'id'])
@Index('idx_executions_owner_task_created', ['ownerId', 'taskName', 'createdAt', 'id'])
@Index('idx_executions_resource_created', ['resource', 'createdAt', 'id'], { where: '"resource" IS NOT NULL' })
@Index('idx_executions_owner_resource_created', ['ownerId', 'resource', 'createdAt', 'id'], { where: '"resource" IS NOT NULL' })
@Index('idx_executions_callback_completed', ['completedAt'], { where: '"callback_url" IS NOT NULL' })
// The retention sweep's lookup (migration RetentionIndex); the sweep repeats this condition word for word.
@Index('idx_executions_finished_task_completed', ['taskName', 'completedAt'], {
  where: `"status" IN ('completed', 'failed', 'cancelled', 'timeout')`,
})
@Index('idx_executions_approval_deadline', ['approvalDeadline'], { where: `"status" = 'awaiting_approval'` })
@Index('idx_executions_file_path', ['filePath'], { where: '"file_path" IS NOT NULL' })
@Index('uq_executions_owner_idempotency', ['ownerId', 'idempotencyKey'], { unique: true, where: '"idempotency_key" IS NOT NULL' })
export class Execution {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'task_name', type: 'varchar', length: 200 })
  taskName: string;

  @Column({ type: 'varchar', length: 32 })
  status: ExecutionStatus;

  @Column({ type: 'simple-json' })
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON values of any shape
  args: any[];

  @Column({ type: 'simple-json' })
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON values of any shape
  kwargs: Record<string, any>;

  @Column({ type: 'simple-json', nullable: true })
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON values of any shape
  result: any;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  @Column({ type: 'text', nullable: true })
  traceback: string | null;

  @Column({ type: 'integer', default: 0 })
  progress: number;

  @Column({ type: 'varchar', length: 200, nullable: true })
  stage: string | null;

  @Column({ name: 'total_items', type: 'integer', nullable: true })
  totalItems: number | null;

  @Column({ name: 'completed_items', type: 'integer', nullable: true })
  completedItems: number | null;

  @Column({ type: 'text', nullable: true })
  message: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  resource: string | null;

  @Column({ name: 'owner_id', type: 'uuid' })
  ownerId: string;

  @Column({ name: 'job_id', type: 'varchar', length: 64, nullable: true })
  jobId: string | null;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ name: 'max_attempts', type: 'integer', default: 1 })
  maxAttempts: number;

  @Column({ type: 'integer', nullable: true })
  priority: number | null;

  @Column({ type: 'varchar', length: 64 })
  queue: string;

  @Column({ name: 'timeout_ms', type: 'integer', nullable: true })
  timeoutMs: number | null;

  @Column({ name: 'retried_from', type: 'uuid', nullable: true })
  retriedFrom: string | null;

  @Column({ name: 'idempotency_key', type: 'varchar', length: 255, nullable: true })
  idempotencyKey: string | null;

  /** SHA-256 of the request that used the key, to tell a replay from a different request. */
  @Column({ name: 'idempotency_hash', type: 'varchar', length: 64, nullable: true })
  idempotencyHash: string | null;

  @TimestampColumn('cancel_requested_at')
  cancelRequestedAt: Date | null;

  @Column({ name: 'file_name', type: 'varchar', length: 255, nullable: true })
  fileName: string | null;

  @Column({ name: 'file_size', type: 'integer', nullable: true })
  fileSize: number | null;

  /** Where the completion webhook goes (SPEC 7.3); checked at submission and again at each delivery. */
  @Column({ name: 'callback_url', type: 'varchar', length: 2048, nullable: true })
  callbackUrl: string | null;

  /** Where the upload is stored; internal, never shown. */
  @Column({ name: 'file_path', type: 'varchar', length: 1024, nullable: true })
  filePath: string | null;

  /** SPEC 7.12: the grant behind each of the task's permissions (null for rows older than it). */
  @Column({ name: 'authorized_by', type: 'simple-json', nullable: true })
  authorizedBy: Authorization[] | null;

  /** SPEC 7.11: the approvals it waits (or waited) for; null when it ran at once. */
  @Column({ type: 'simple-json', nullable: true })
  approval: { requirements: ApprovalRequirement[]; votes: ApprovalVote[] } | null;

  /** When an execution still awaiting approval is cancelled. */
  @TimestampColumn('approval_deadline')
  approvalDeadline: Date | null;

  /** Set by the application (millisecond precision on every driver); keyset paging orders by it and id. */
  @Column({ name: 'created_at', type: Date })
  createdAt: Date;

  @TimestampColumn('started_at')
  startedAt: Date | null;

  @TimestampColumn('completed_at')
  completedAt: Date | null;

  @UpdateDateColumn({ name: 'updated_at' })
  updatedAt: Date;

  @Column({ name: 'duration_ms', type: 'integer', nullable: true })
  durationMs: number | null;
}
