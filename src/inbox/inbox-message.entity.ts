import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { StaffUser } from '../auth/staff-user.entity';
import { Complaint } from '../complaints/complaint.entity';

export type InboxKind = 'new' | 'reply' | 'auto_reply' | 'bounce' | 'own' | 'unauthenticated';
export type InboxStatus = 'unfiled' | 'filed' | 'dismissed' | 'ignored';

export interface InboxArticleLink {
  url: string;
  articleId: string;
  slug: string;
  title: string;
}

export interface InboxAttachment {
  name: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  /** Under INBOX_DIR (never served); copied into evidence when the message is filed. */
  storageKey: string;
}

export interface InboxRefused {
  name: string;
  reason: string;
}

/**
 * One message sent to the contact address, stored once (Message-ID, else raw SHA-256). The raw
 * .eml stays on disk under INBOX_DIR (raw_key) with its hash: it is evidence.
 */
@Entity('inbox_message')
@Check('inbox_message_source_check', `source IN ('smtp', 'imap')`)
@Check('inbox_message_locale_check', `locale IN ('zh-CN', 'en')`)
@Check('inbox_message_kind_check', `kind IN ('new', 'reply', 'auto_reply', 'bounce', 'own', 'unauthenticated')`)
@Check('inbox_message_status_check', `status IN ('unfiled', 'filed', 'dismissed', 'ignored')`)
@Index('inbox_message_message_id_key', { synchronize: false })
@Index('inbox_message_raw_sha256_key', { synchronize: false })
@Index('inbox_message_unfiled_idx', { synchronize: false })
@Index('inbox_message_sender_idx', { synchronize: false })
@Index('inbox_message_complaint_idx', ['complaintId'])
export class InboxMessage {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text', unique: true })
  reference: string;

  @Column({ name: 'message_id', type: 'text', nullable: true })
  messageId: string | null;

  @Column({ name: 'raw_sha256', type: 'text' })
  rawSha256: string;

  @Column({ name: 'raw_key', type: 'text' })
  rawKey: string;

  @Column({ name: 'raw_size', type: 'integer' })
  rawSize: number;

  @Column({ type: 'text' })
  source: 'smtp' | 'imap';

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt: Date;

  @Column({ name: 'from_address', type: 'text', nullable: true })
  fromAddress: string | null;

  @Column({ name: 'from_name', type: 'text', nullable: true })
  fromName: string | null;

  @Column({ type: 'text', nullable: true })
  subject: string | null;

  @Column({ name: 'in_reply_to', type: 'text', nullable: true })
  inReplyTo: string | null;

  @Column({ name: 'thread_ids', type: 'text', array: true, default: () => "'{}'" })
  threadIds: string[];

  @Column({ name: 'text_body', type: 'text', default: '' })
  textBody: string;

  @Column({ name: 'html_body', type: 'text', nullable: true })
  htmlBody: string | null;

  @Column({ type: 'text' })
  locale: 'zh-CN' | 'en';

  @Column({ type: 'text' })
  kind: InboxKind;

  @Column({ type: 'text', default: 'unfiled' })
  status: InboxStatus;

  @Column({ name: 'complaint_id', type: 'uuid', nullable: true })
  complaintId: string | null;

  @ManyToOne(() => Complaint, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'complaint_id', foreignKeyConstraintName: 'inbox_message_complaint_fk' })
  complaint?: Complaint;

  @Column({ name: 'article_links', type: 'jsonb', default: () => "'[]'" })
  articleLinks: InboxArticleLink[];

  @Column({ type: 'jsonb', default: () => "'[]'" })
  attachments: InboxAttachment[];

  @Column({ type: 'jsonb', default: () => "'[]'" })
  refused: InboxRefused[];

  @Column({ name: 'ack_message_id', type: 'text', nullable: true })
  ackMessageId: string | null;

  @Column({ name: 'handled_by', type: 'uuid', nullable: true })
  handledBy: string | null;

  @ManyToOne(() => StaffUser, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'handled_by', foreignKeyConstraintName: 'inbox_message_handled_by_fk' })
  handler?: StaffUser;

  @Column({ name: 'handled_at', type: 'timestamptz', nullable: true })
  handledAt: Date | null;

  @Column({ name: 'handled_reason', type: 'text', nullable: true })
  handledReason: string | null;
}
