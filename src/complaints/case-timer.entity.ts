import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Complaint } from './complaint.entity';

/**
 * A durable deadline of a case (CASE_TIMERS in complaint-state.ts): scheduled and cancelled by
 * transitions in their transaction, fired by TimerWorker. At most one pending timer per case
 * and kind (partial unique index); done_at and outcome say how it ended.
 */
@Entity('case_timer')
@Check('case_timer_kind_check', `kind IN ('needs_info_expiry')`)
@Check('case_timer_outcome_check', `outcome IN ('fired', 'cancelled', 'skipped', 'failed')`)
@Check('case_timer_done_check', `(done_at IS NULL) = (outcome IS NULL)`)
@Index('case_timer_pending_uq', { synchronize: false })
@Index('case_timer_due_idx', { synchronize: false })
export class CaseTimer {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  kind: string;

  @Column({ name: 'complaint_id', type: 'uuid' })
  complaintId: string;

  @ManyToOne(() => Complaint, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'complaint_id', foreignKeyConstraintName: 'case_timer_complaint_fk' })
  complaint?: Complaint;

  @Column({ name: 'due_at', type: 'timestamptz' })
  dueAt: Date;

  /** Failed attempts so far (each rolled back); after TIMER_MAX_ATTEMPTS the timer ends as failed. */
  @Column({ type: 'integer', default: 0 })
  attempts: number;

  /** After a failed attempt: not tried again before this. */
  @Column({ name: 'retry_at', type: 'timestamptz', nullable: true })
  retryAt: Date | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @Column({ name: 'done_at', type: 'timestamptz', nullable: true })
  doneAt: Date | null;

  @Column({ type: 'text', nullable: true })
  outcome: 'fired' | 'cancelled' | 'skipped' | 'failed' | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
