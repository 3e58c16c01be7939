import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Complaint } from '../complaints/complaint.entity';

export type MailJobState = 'pending' | 'sending' | 'sent' | 'failed';

/** One outgoing message in the outbox, inserted in the transaction of the change causing it. */
@Entity('mail_job')
@Check('mail_job_locale_check', `locale IN ('zh-CN', 'en')`)
// Private links are minted at send time (MailWorker); the outbox never keeps one.
@Check(
  'mail_job_no_link_check',
  `payload->>'trackingUrl' IS NULL AND payload->>'answerUrl' IS NULL AND payload->>'responseUrl' IS NULL AND payload->>'invitationUrl' IS NULL AND payload->>'link' IS NULL`,
)
@Check('mail_job_state_check', `state IN ('pending', 'sending', 'sent', 'failed')`)
@Index('mail_job_due_idx', { synchronize: false })
@Index('mail_job_complaint_idx', ['complaintId'])
@Index('mail_job_receipt_idx', { synchronize: false })
export class MailJob {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  template: string;

  @Column({ type: 'text' })
  locale: 'zh-CN' | 'en';

  @Column({ name: 'to_address', type: 'text' })
  toAddress: string;

  @Column({ name: 'message_id', type: 'text', unique: true })
  messageId: string;

  @Column({ type: 'jsonb' })
  payload: Record<string, unknown>;

  @Column({ name: 'complaint_id', type: 'uuid', nullable: true })
  complaintId: string | null;

  @ManyToOne(() => Complaint, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'complaint_id', foreignKeyConstraintName: 'mail_job_complaint_fk' })
  complaint?: Complaint;

  @Column({ type: 'text', default: 'pending' })
  state: MailJobState;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' })
  nextAttemptAt: Date;

  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true })
  lockedUntil: Date | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt: Date | null;

  /** A reply's threading (set for replies to inbound mail): In-Reply-To and References. */
  @Column({ name: 'in_reply_to', type: 'text', nullable: true })
  inReplyTo: string | null;

  @Column({ name: 'reply_references', type: 'text', nullable: true })
  replyReferences: string | null;

  /** A delivery status notification for this message reached the contact address. */
  @Column({ name: 'bounced_at', type: 'timestamptz', nullable: true })
  bouncedAt: Date | null;

  @Column({ name: 'bounce_reason', type: 'text', nullable: true })
  bounceReason: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
