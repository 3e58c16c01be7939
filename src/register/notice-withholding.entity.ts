import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { StaffUser } from '../auth/staff-user.entity';
import { Complaint } from '../complaints/complaint.entity';

/** A case whose public register entry an admin withholds (migration 1765920000000). */
@Entity('notice_withholding')
export class NoticeWithholding {
  @PrimaryColumn({ name: 'complaint_id', type: 'uuid' }) complaintId: string;
  @ManyToOne(() => Complaint, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'complaint_id', foreignKeyConstraintName: 'notice_withholding_complaint_fk' })
  complaint?: Complaint;
  @Column({ type: 'text' }) reason: string;
  @Column({ name: 'withheld_by', type: 'uuid', nullable: true }) withheldById: string | null;
  @ManyToOne(() => StaffUser, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'withheld_by', foreignKeyConstraintName: 'notice_withholding_withheld_by_fk' })
  withheldBy?: StaffUser | null;
  @Column({ name: 'withheld_at', type: 'timestamptz', default: () => 'now()' }) withheldAt: Date;
}
