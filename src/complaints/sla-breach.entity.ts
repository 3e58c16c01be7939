import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { Complaint } from './complaint.entity';

/**
 * A case that passed its due time: one row per case and due time (a case that moves on and is
 * late again has a new due time, so a new row). Written and reported by SlaDigestWorker; the
 * row is the durable record that the admins were told (notified_at, to how many).
 */
@Entity('sla_breach')
@Unique('sla_breach_complaint_due_uq', ['complaintId', 'dueAt'])
@Check('sla_breach_notified_check', `(notified_at IS NULL) = (recipients IS NULL)`)
@Index('sla_breach_pending_idx', { synchronize: false })
@Index('sla_breach_due_idx', { synchronize: false })
export class SlaBreach {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'complaint_id', type: 'uuid' })
  complaintId: string;

  @ManyToOne(() => Complaint, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'complaint_id', foreignKeyConstraintName: 'sla_breach_complaint_fk' })
  complaint?: Complaint;

  /** The due time that was missed. */
  @Column({ name: 'due_at', type: 'timestamptz' })
  dueAt: Date;

  /** The case's state when the breach was found. */
  @Column({ type: 'text' })
  state: string;

  @Column({ name: 'detected_at', type: 'timestamptz', default: () => 'now()' })
  detectedAt: Date;

  /** When the digest naming it was queued (null: not yet reported). */
  @Column({ name: 'notified_at', type: 'timestamptz', nullable: true })
  notifiedAt: Date | null;

  /** Admins the digest went to (0 when there was none to tell). */
  @Column({ type: 'integer', nullable: true })
  recipients: number | null;
}
