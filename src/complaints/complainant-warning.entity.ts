import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { StaffUser } from '../auth/staff-user.entity';
import { Complaint } from './complaint.entity';

/** A misuse warning to a complainant's address (DSA Art. 23), the prior step to `not_processed`. */
@Entity('complainant_warning')
@Check('complainant_warning_reason_check', `length(btrim(reason)) > 0`)
@Index('complainant_warning_email_idx', ['email', 'createdAt'])
export class ComplainantWarning {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'complainant_warning_pkey' }) id: string;
  /** Intake's normalised complainant_email. */
  @Column({ type: 'text' }) email: string;
  @Column({ name: 'complaint_id', type: 'uuid' }) complaintId: string;
  @ManyToOne(() => Complaint, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'complaint_id', foreignKeyConstraintName: 'complainant_warning_complaint_fk' })
  complaint?: Complaint;
  @Column({ type: 'text' }) reason: string;
  @Column({ name: 'warned_by', type: 'uuid' }) warnedBy: string;
  @ManyToOne(() => StaffUser, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'warned_by', foreignKeyConstraintName: 'complainant_warning_staff_fk' })
  staff?: StaffUser;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt: Date;
}
