import { Check, Column, Entity, Index, JoinColumn, ManyToOne, OneToMany, PrimaryGeneratedColumn } from 'typeorm';
import { COMPLAINT_STATES } from './complaint-state';
import type { ComplaintState } from './complaint-state';
import { LEGAL_BASES, REQUESTER_CATEGORIES } from './legal-basis';
import type { LegalBasis, Locale, RequesterCategory } from './legal-basis';
import { DECISION_GROUNDS, STATEMENT_CATEGORIES } from './decision-ground';
import type { DecisionGround, StatementCategory } from './decision-ground';
import { StaffUser } from '../auth/staff-user.entity';
import { ComplaintItem } from './complaint-item.entity';
import { EvidenceFile } from './evidence-file.entity';

export interface Complainant {
  name: string;
  email: string;
  phone?: string;
  address?: string;
  organisation?: string;
  actingFor?: string;
}

const list = (xs: readonly string[]) => xs.map((x) => `'${x}'`).join(', ');

@Entity('complaint')
@Check('complaint_state_check', `state IN (${list(COMPLAINT_STATES)})`)
@Check('complaint_legal_basis_check', `legal_basis IN (${list(LEGAL_BASES)})`)
@Check('complaint_locale_check', `locale IN ('zh-CN', 'en')`)
@Check('complaint_decision_ground_check', `decision_ground IN (${list(DECISION_GROUNDS)})`)
@Check('complaint_decision_category_check', `decision_category IN (${list(STATEMENT_CATEGORIES)})`)
@Check('complaint_decision_ground_pair_check', '(decision_ground IS NULL) = (decision_category IS NULL)')
@Check('complaint_requester_category_check', `requester_category IN (${list(REQUESTER_CATEGORIES)})`)
@Check('complaint_channel_check', `channel IN ('form', 'api', 'mail')`)
@Check('complaint_decided_state_check', `decided_state IN ('actioned', 'rejected', 'duplicate', 'not_processed')`)
@Check('complaint_decided_check', `(decided_at IS NULL) = (decided_state IS NULL)`)
@Check('complaint_item_counts_check', 'article_items >= 0 AND image_items >= 0 AND passage_items >= 0')
@Check('complaint_appeal_outcome_check', `appeal_outcome IN ('actioned', 'rejected', 'restored')`)
@Index('complaint_email_idx', { synchronize: false })
@Index('complaint_duplicate_of_idx', { synchronize: false })
@Index('complaint_received_at_idx', { synchronize: false })
@Index('complaint_queue_idx', { synchronize: false })
@Index('complaint_queue_assignee_idx', { synchronize: false })
@Index('complaint_state_idx', { synchronize: false })
@Index('complaint_search_idx', { synchronize: false })
@Index('complaint_queue_state_idx', { synchronize: false })
@Index('complaint_renotice_barred_by_idx', { synchronize: false })
@Index('complaint_decided_at_idx', { synchronize: false })
@Index('complaint_first_reviewed_at_idx', { synchronize: false })
@Index('complaint_restored_at_idx', { synchronize: false })
@Index('complaint_withdrawn_at_idx', { synchronize: false })
@Index('complaint_appealed_at_idx', { synchronize: false })
@Index('complaint_reference_prefix_idx', { synchronize: false })
@Index('complaint_party_search_idx', { synchronize: false })
@Index('complaint_us_received_idx', { synchronize: false })
export class Complaint {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text', unique: true })
  reference: string;

  @Column({ type: 'text', default: 'received' })
  state: ComplaintState;

  @Column({ type: 'integer', default: 1 })
  version: number;

  @Column({ name: 'legal_basis', type: 'text' })
  legalBasis: LegalBasis;

  @Column({ type: 'text' })
  locale: Locale;

  @Column({ type: 'jsonb' })
  complainant: Complainant;

  @Column({ name: 'complainant_email', type: 'text' })
  complainantEmail: string;

  @Column({ name: 'original_work', type: 'jsonb', nullable: true })
  originalWork: { description: string; url?: string } | null;

  @Column({ type: 'text' })
  explanation: string;

  @Column({ type: 'jsonb' })
  declarations: Record<string, boolean>;

  @Column({ name: 'tracking_token_hash', type: 'text', unique: true, select: false })
  trackingTokenHash?: string;

  @Column({ name: 'duplicate_of', type: 'uuid', nullable: true })
  duplicateOfId: string | null;

  @ManyToOne(() => Complaint, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'duplicate_of', foreignKeyConstraintName: 'complaint_duplicate_of_fk' })
  duplicateOf?: Complaint | null;

  @Column({ name: 'idempotency_key', type: 'text', unique: true, nullable: true })
  idempotencyKey: string | null;

  @Column({ name: 'request_hash', type: 'text', nullable: true })
  requestHash: string | null;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;

  @Column({ name: 'assignee_id', type: 'uuid', nullable: true })
  assigneeId: string | null;

  @ManyToOne(() => StaffUser, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'assignee_id', foreignKeyConstraintName: 'complaint_assignee_fk' })
  assignee?: StaffUser | null;

  @Column({ name: 'due_at', type: 'timestamptz', nullable: true })
  dueAt: Date | null;

  /** restoration_pending: when the remedies are reversed unless proof of a suit or complaint is accepted. */
  @Column({ name: 'restoration_due_at', type: 'timestamptz', nullable: true })
  restorationDueAt: Date | null;

  /** The first item's article title, kept on the case for the queue's search. */
  @Column({ name: 'article_title', type: 'text', default: '' })
  articleTitle: string;

  @Column({ name: 'decided_by', type: 'uuid', nullable: true })
  decidedById: string | null;

  @ManyToOne(() => StaffUser, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'decided_by', foreignKeyConstraintName: 'complaint_decided_by_fk' })
  decidedBy?: StaffUser | null;

  @Column({ name: 'escalated_by', type: 'uuid', nullable: true })
  escalatedById: string | null;

  @ManyToOne(() => StaffUser, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'escalated_by', foreignKeyConstraintName: 'complaint_escalated_by_fk' })
  escalatedBy?: StaffUser | null;

  @Column({ name: 'proposed_remedies', type: 'jsonb', nullable: true })
  proposedRemedies: Array<{ item: number; remedy: string }> | null;

  @Column({ name: 'decision_reason', type: 'text', nullable: true })
  decisionReason: string | null;

  /** The decision's ground and category for its statement of reasons (decision-ground.ts); null before recorded. */
  @Column({ name: 'decision_ground', type: 'text', nullable: true })
  decisionGround: DecisionGround | null;

  @Column({ name: 'decision_category', type: 'text', nullable: true })
  decisionCategory: StatementCategory | null;

  @Column({ name: 'decision_legal_ground', type: 'text', nullable: true })
  decisionLegalGround: string | null;

  @Column({ name: 'decision_ground_explanation', type: 'text', nullable: true })
  decisionGroundExplanation: string | null;

  @Column({ name: 'info_request', type: 'jsonb', nullable: true })
  infoRequest: { missing: string[]; message?: string; requestedBy: string; requestedAt: string } | null;

  /** Who asked, as a category the public notice may name (never the person). */
  @Column({ name: 'requester_category', type: 'text', default: 'rights_holder' })
  requesterCategory: RequesterCategory;

  /**
   * The same complainant's earlier cn-copyright case about the same work on the same article that
   * was restored after a valid counter-notice: 条例 Art. 17 bars this new notice (a moderator rejects it).
   */
  @Column({ name: 'renotice_barred_by', type: 'uuid', nullable: true })
  renoticeBarredById: string | null;

  @ManyToOne(() => Complaint, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'renotice_barred_by', foreignKeyConstraintName: 'complaint_renotice_barred_by_fk' })
  renoticeBarredBy?: Complaint | null;

  /** Items of each kind the complaint names, set by the intake statement (for the reports, by kind of item). */
  @Column({ name: 'article_items', type: 'smallint', default: 0 })
  articleItems: number;

  @Column({ name: 'image_items', type: 'smallint', default: 0 })
  imageItems: number;

  @Column({ name: 'passage_items', type: 'smallint', default: 0 })
  passageItems: number;

  /*
   * Milestones for the reports (migration ReportMilestones): each set once, by the transition
   * that reaches it (complaint-milestones.ts) or at intake; null until then.
   */
  @Column({ type: 'text', nullable: true })
  channel: 'form' | 'api' | 'mail' | null;

  @Column({ name: 'first_reviewed_at', type: 'timestamptz', nullable: true })
  firstReviewedAt: Date | null;

  @Column({ name: 'first_reviewed_by', type: 'uuid', nullable: true })
  firstReviewedById: string | null;

  @ManyToOne(() => StaffUser, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'first_reviewed_by', foreignKeyConstraintName: 'complaint_first_reviewed_by_fk' })
  firstReviewedBy?: StaffUser | null;

  @Column({ name: 'first_decided_by', type: 'uuid', nullable: true })
  firstDecidedById: string | null;

  @ManyToOne(() => StaffUser, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'first_decided_by', foreignKeyConstraintName: 'complaint_first_decided_by_fk' })
  firstDecidedBy?: StaffUser | null;

  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true })
  decidedAt: Date | null;

  @Column({ name: 'decided_state', type: 'text', nullable: true })
  decidedState: 'actioned' | 'rejected' | 'duplicate' | 'not_processed' | null;

  @Column({ name: 'withdrawn_at', type: 'timestamptz', nullable: true })
  withdrawnAt: Date | null;

  @Column({ name: 'restored_at', type: 'timestamptz', nullable: true })
  restoredAt: Date | null;

  @Column({ name: 'appealed_at', type: 'timestamptz', nullable: true })
  appealedAt: Date | null;

  @Column({ name: 'appeal_outcome', type: 'text', nullable: true })
  appealOutcome: 'actioned' | 'rejected' | 'restored' | null;

  @Column({ name: 'appeal_reversed', type: 'boolean', nullable: true })
  appealReversed: boolean | null;

  @OneToMany(() => ComplaintItem, (i) => i.complaint)
  items?: ComplaintItem[];

  @OneToMany(() => EvidenceFile, (f) => f.complaint)
  files?: EvidenceFile[];
}
