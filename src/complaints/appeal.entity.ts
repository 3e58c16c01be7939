import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { StaffUser } from '../auth/staff-user.entity';
import { Complaint } from './complaint.entity';

/**
 * An appeal against a decision (DSA Art. 20), by the complainant or a content owner: their
 * words and files, the decision appealed with its deciders (who may not decide the appeal),
 * and, once decided, by whom, when, the outcome and the reasons. One open appeal per case; one
 * appeal per party (per owner) and case.
 */
@Entity('appeal')
@Check('appeal_party_check', `party IN ('complainant', 'content_owner')`)
@Check('appeal_outcome_check', `outcome IN ('actioned', 'rejected', 'restored')`)
@Check('appeal_decided_check', `(decided_at IS NULL) = (outcome IS NULL)`)
@Index('appeal_open_uq', { synchronize: false })
@Index('appeal_party_uq', { synchronize: false })
export class Appeal {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'complaint_id', type: 'uuid' })
  complaintId: string;

  @ManyToOne(() => Complaint, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'complaint_id', foreignKeyConstraintName: 'appeal_complaint_fk' })
  complaint?: Complaint;

  @Column({ type: 'text' })
  party: 'complainant' | 'content_owner';

  /** The appealing owner (lower-cased), as their private link names them. */
  @Column({ name: 'owner_email', type: 'text', nullable: true })
  ownerEmail: string | null;

  @Column({ type: 'text' })
  body: string;

  /** evidence_file rows (purpose 'appeal') sent with it. */
  @Column({ name: 'file_ids', type: 'uuid', array: true, default: () => `'{}'` })
  fileIds: string[];

  @Column({ name: 'appealed_state', type: 'text' })
  appealedState: string;

  @Column({ name: 'appealed_decided_by', type: 'uuid', nullable: true })
  appealedDecidedById: string | null;

  @ManyToOne(() => StaffUser, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'appealed_decided_by', foreignKeyConstraintName: 'appeal_appealed_decided_by_fk' })
  appealedDecidedBy?: StaffUser | null;

  @Column({ name: 'appealed_escalated_by', type: 'uuid', nullable: true })
  appealedEscalatedById: string | null;

  @ManyToOne(() => StaffUser, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'appealed_escalated_by', foreignKeyConstraintName: 'appeal_appealed_escalated_by_fk' })
  appealedEscalatedBy?: StaffUser | null;

  @Column({ name: 'appealed_reason', type: 'text', nullable: true })
  appealedReason: string | null;

  @Column({ name: 'filed_at', type: 'timestamptz', default: () => 'now()' })
  filedAt: Date;

  @Column({ name: 'decided_by', type: 'uuid', nullable: true })
  decidedById: string | null;

  @ManyToOne(() => StaffUser, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'decided_by', foreignKeyConstraintName: 'appeal_decided_by_fk' })
  decidedBy?: StaffUser | null;

  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true })
  decidedAt: Date | null;

  @Column({ type: 'text', nullable: true })
  outcome: 'actioned' | 'rejected' | 'restored' | null;

  @Column({ type: 'text', nullable: true })
  reasons: string | null;
}
