import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { StaffUser } from '../auth/staff-user.entity';
import { Complaint } from './complaint.entity';

export type CounterNoticeStatus = 'pending' | 'incomplete' | 'invalid' | 'valid';

/** A content owner's counter-notice (不侵权声明; 17 U.S.C. 512(g)(3)) and the staff decision on it. */
@Entity('counter_notice')
@Check('counter_notice_status_check', `status IN ('pending', 'incomplete', 'invalid', 'valid')`)
@Check('counter_notice_decided_check', `(status = 'pending') = (decided_at IS NULL)`)
@Index('counter_notice_one_pending_idx', ['complaintId'], { unique: true, where: `status = 'pending'` })
@Index('counter_notice_complaint_idx', ['complaintId', 'createdAt'])
@Index('counter_notice_created_idx', ['createdAt'])
export class CounterNotice {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'complaint_id', type: 'uuid' }) complaintId: string;
  @ManyToOne(() => Complaint, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'complaint_id', foreignKeyConstraintName: 'counter_notice_complaint_fk' })
  complaint?: Complaint;
  @Column({ name: 'owner_email', type: 'text' }) ownerEmail: string;
  @Column({ name: 'legal_basis', type: 'text' }) legalBasis: string;
  @Column({ type: 'jsonb' }) fields: Record<string, unknown>;
  @Column({ name: 'file_ids', type: 'uuid', array: true, default: () => `'{}'` }) fileIds: string[];
  @Column({ type: 'text', default: 'pending' }) status: CounterNoticeStatus;
  @Column({ name: 'decided_by', type: 'uuid', nullable: true }) decidedById: string | null;
  @ManyToOne(() => StaffUser, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'decided_by', foreignKeyConstraintName: 'counter_notice_decided_by_fk' })
  decidedBy?: StaffUser | null;
  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true }) decidedAt: Date | null;
  @Column({ type: 'text', nullable: true }) reason: string | null;
  @Column({ name: 'restore_at', type: 'timestamptz', nullable: true }) restoreAt: Date | null;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt: Date;
}

/** The complainant's proof of a suit or a complaint to an authority, while restoration is pending. */
@Entity('litigation_proof')
@Check('litigation_proof_status_check', `status IN ('pending', 'accepted', 'refused')`)
@Check('litigation_proof_decided_check', `(status = 'pending') = (decided_at IS NULL)`)
@Index('litigation_proof_one_pending_idx', ['complaintId'], { unique: true, where: `status = 'pending'` })
@Index('litigation_proof_decided_idx', { synchronize: false })
export class LitigationProof {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'complaint_id', type: 'uuid' }) complaintId: string;
  @ManyToOne(() => Complaint, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'complaint_id', foreignKeyConstraintName: 'litigation_proof_complaint_fk' })
  complaint?: Complaint;
  @Column({ type: 'text' }) body: string;
  @Column({ name: 'file_ids', type: 'uuid', array: true, default: () => `'{}'` }) fileIds: string[];
  @Column({ type: 'text', default: 'pending' }) status: 'pending' | 'accepted' | 'refused';
  @Column({ name: 'decided_by', type: 'uuid', nullable: true }) decidedById: string | null;
  @ManyToOne(() => StaffUser, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'decided_by', foreignKeyConstraintName: 'litigation_proof_decided_by_fk' })
  decidedBy?: StaffUser | null;
  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true }) decidedAt: Date | null;
  @Column({ type: 'text', nullable: true }) reason: string | null;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt: Date;
}
