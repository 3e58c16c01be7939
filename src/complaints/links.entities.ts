import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Complaint } from './complaint.entity';

export type LinkParty = 'complainant' | 'content_owner';

/**
 * A private link handed out after intake (a tracking link in a later mail, a content owner's
 * response link): only the token's SHA-256 is kept. A content owner's link always names that
 * owner (CHECK), so their page shows their items only.
 */
@Entity('access_link')
@Check('access_link_party_check', `party IN ('complainant', 'content_owner')`)
@Check('access_link_owner_named_check', `party <> 'content_owner' OR owner_email IS NOT NULL`)
@Index('access_link_complaint_idx', ['complaintId'])
@Index('access_link_mail_job_idx', ['mailJobId'], { where: 'mail_job_id IS NOT NULL' })
export class AccessLink {
  @PrimaryColumn({ name: 'token_hash', type: 'text' }) tokenHash: string;
  @Column({ name: 'complaint_id', type: 'uuid' }) complaintId: string;
  @ManyToOne(() => Complaint, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'complaint_id', foreignKeyConstraintName: 'access_link_complaint_fk' })
  complaint?: Complaint;
  @Column({ type: 'text' }) party: LinkParty;
  @Column({ name: 'owner_email', type: 'text', nullable: true }) ownerEmail: string | null;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt: Date;
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true }) expiresAt: Date | null;
  /** The mail that carried the link; a resend of that mail replaces it (one live link per message). */
  @Column({ name: 'mail_job_id', type: 'uuid', nullable: true }) mailJobId: string | null;
}

/**
 * The clear tracking token of a filing made with an Idempotency-Key, so that a repeat within
 * IDEMPOTENCY_REPLAY_HOURS answers the same link; ReplaySweeper deletes it after.
 */
@Entity('intake_replay')
@Index('intake_replay_expires_idx', ['expiresAt'])
export class IntakeReplay {
  @PrimaryColumn({ name: 'complaint_id', type: 'uuid' }) complaintId: string;
  @ManyToOne(() => Complaint, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'complaint_id', foreignKeyConstraintName: 'intake_replay_complaint_fk' })
  complaint?: Complaint;
  @Column({ name: 'tracking_token', type: 'text' }) trackingToken: string;
  @Column({ name: 'expires_at', type: 'timestamptz' }) expiresAt: Date;
}

/** A new case names the same person's earlier cases about the same article ("Related cases"). */
@Entity('complaint_link')
@Index('complaint_link_related_idx', ['relatedId'])
export class ComplaintLink {
  @PrimaryColumn({ name: 'complaint_id', type: 'uuid', primaryKeyConstraintName: 'complaint_link_pkey' })
  complaintId: string;
  @PrimaryColumn({ name: 'related_id', type: 'uuid', primaryKeyConstraintName: 'complaint_link_pkey' })
  relatedId: string;
  @ManyToOne(() => Complaint, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'complaint_id', foreignKeyConstraintName: 'complaint_link_complaint_fk' })
  complaint?: Complaint;
  @ManyToOne(() => Complaint, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'related_id', foreignKeyConstraintName: 'complaint_link_related_fk' })
  related?: Complaint;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt: Date;
}
