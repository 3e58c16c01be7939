import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Article } from '../articles/article.entity';
import { StaffUser } from '../auth/staff-user.entity';
import { Complaint } from '../complaints/complaint.entity';

/** Internal notes: staff only, never sent to a party. */
@Entity('complaint_note')
@Index('complaint_note_complaint_idx', ['complaintId', 'createdAt'])
export class ComplaintNote {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'complaint_id', type: 'uuid' }) complaintId: string;
  @ManyToOne(() => Complaint, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'complaint_id', foreignKeyConstraintName: 'complaint_note_complaint_fk' })
  complaint?: Complaint;
  @Column({ name: 'author_id', type: 'uuid' }) authorId: string;
  @ManyToOne(() => StaffUser, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'author_id', foreignKeyConstraintName: 'complaint_note_author_fk' })
  author?: StaffUser;
  @Column({ type: 'text' }) body: string;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt: Date;
}

/** What a party sent back through their private link (answers to a request for information). */
@Entity('complaint_response')
@Check('complaint_response_author_check', `author IN ('complainant', 'content_owner')`)
@Index('complaint_response_complaint_idx', ['complaintId', 'createdAt'])
export class ComplaintResponse {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'complaint_id', type: 'uuid' }) complaintId: string;
  @ManyToOne(() => Complaint, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'complaint_id', foreignKeyConstraintName: 'complaint_response_complaint_fk' })
  complaint?: Complaint;
  @Column({ type: 'text' }) author: 'complainant' | 'content_owner';
  @Column({ type: 'text' }) body: string;
  @Column({ name: 'file_ids', type: 'uuid', array: true, default: () => `'{}'` }) fileIds: string[];
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt: Date;
}

/** Reply texts moderators reuse, kept by admins, per legal basis (or all) and language. */
@Entity('reply_template')
@Check(
  'reply_template_basis_check',
  `legal_basis IN ('cn-copyright', 'cn-personal-rights', 'us-dmca', 'eu-dsa', 'accuracy')`,
)
@Check('reply_template_locale_check', `locale IN ('zh-CN', 'en')`)
export class ReplyTemplate {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'text' }) name: string;
  @Column({ name: 'legal_basis', type: 'text', nullable: true }) legalBasis: string | null;
  @Column({ type: 'text' }) locale: 'zh-CN' | 'en';
  @Column({ type: 'text' }) body: string;
  @Column({ name: 'updated_by', type: 'uuid', nullable: true }) updatedById: string | null;
  @ManyToOne(() => StaffUser, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'updated_by', foreignKeyConstraintName: 'reply_template_updated_by_fk' })
  updatedBy?: StaffUser | null;
  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' }) updatedAt: Date;
}

/** A dated correction note shown on the article (remedy add_correction). */
@Entity('article_correction')
@Index('article_correction_article_idx', ['articleId'])
export class ArticleCorrection {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'article_id', type: 'uuid' }) articleId: string;
  @ManyToOne(() => Article, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'article_id', foreignKeyConstraintName: 'article_correction_article_fk' })
  article?: Article;
  @Column({ name: 'complaint_id', type: 'uuid' }) complaintId: string;
  @ManyToOne(() => Complaint, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'complaint_id', foreignKeyConstraintName: 'article_correction_complaint_fk' })
  complaint?: Complaint;
  @Column({ type: 'text' }) body: string;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt: Date;
  @Column({ name: 'withdrawn_at', type: 'timestamptz', nullable: true }) withdrawnAt: Date | null;
}

/** A change the newsroom must make by hand (remedies edit_passage and add_attribution). */
@Entity('newsroom_task')
@Check('newsroom_task_kind_check', `kind IN ('edit_passage', 'add_attribution')`)
@Check('newsroom_task_status_check', `status IN ('open', 'done', 'cancelled')`)
export class NewsroomTask {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'article_id', type: 'uuid' }) articleId: string;
  @ManyToOne(() => Article, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'article_id', foreignKeyConstraintName: 'newsroom_task_article_fk' })
  article?: Article;
  @Column({ name: 'complaint_id', type: 'uuid' }) complaintId: string;
  @ManyToOne(() => Complaint, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'complaint_id', foreignKeyConstraintName: 'newsroom_task_complaint_fk' })
  complaint?: Complaint;
  @Column({ type: 'text' }) kind: 'edit_passage' | 'add_attribution';
  @Column({ type: 'text' }) detail: string;
  @Column({ type: 'text', default: 'open' }) status: 'open' | 'done' | 'cancelled';
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt: Date;
}

/** The CMS webhook outbox (signed deliveries with retries). */
@Entity('webhook_job')
@Check('webhook_job_state_check', `state IN ('pending', 'sending', 'sent', 'failed')`)
@Index('webhook_job_due_idx', { synchronize: false })
export class WebhookJob {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'text' }) event: string;
  @Column({ type: 'jsonb' }) payload: Record<string, unknown>;
  @Column({ type: 'text', default: 'pending' }) state: 'pending' | 'sending' | 'sent' | 'failed';
  @Column({ type: 'integer', default: 0 }) attempts: number;
  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' }) nextAttemptAt: Date;
  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true }) lockedUntil: Date | null;
  @Column({ name: 'last_error', type: 'text', nullable: true }) lastError: string | null;
  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true }) sentAt: Date | null;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt: Date;
}
