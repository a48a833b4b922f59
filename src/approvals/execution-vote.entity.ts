import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type VoteDecision = 'approve' | 'reject';

/** One approver's vote on an execution awaiting approval (SPEC 7.11); one per principal. */
@Entity('execution_votes')
@Index('uq_execution_votes_principal', ['executionId', 'principalId'], { unique: true })
export class ExecutionVote {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'execution_id', type: 'uuid' })
  executionId: string;

  @Column({ name: 'principal_id', type: 'uuid' })
  principalId: string;

  /** The approver's name when voting, so the record reads the same after a rename or removal. */
  @Column({ name: 'principal_name', type: 'varchar', length: 100 })
  principalName: string;

  @Column({ type: 'varchar', length: 16 })
  decision: VoteDecision;

  @Column({ type: 'text', nullable: true })
  comment: string | null;

  @Column({ name: 'created_at', type: Date })
  createdAt: Date;
}
