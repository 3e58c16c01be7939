import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { Article } from '../articles/article.entity';
import { ArticleImage } from '../articles/article-image.entity';
import { ArticleVersion } from '../articles/article-version.entity';
import { Complaint } from './complaint.entity';

export type ItemKind = 'article' | 'image' | 'passage';
export const REMEDIES = [
  'remove_article',
  'remove_image',
  'edit_passage',
  'add_correction',
  'add_attribution',
  'no_action',
] as const;
export type Remedy = (typeof REMEDIES)[number];

@Entity('complaint_item')
@Unique('complaint_item_position_key', ['complaintId', 'position'])
@Check('complaint_item_kind_check', `kind IN ('article', 'image', 'passage')`)
@Check(
  'complaint_item_remedy_check',
  `remedy IN ('remove_article', 'remove_image', 'edit_passage', 'add_correction', 'add_attribution', 'no_action')`,
)
@Index('complaint_item_article_idx', ['articleId'])
// Remedies still standing (applied, not reversed), looked up when another case's are reversed.
@Index('complaint_item_standing_idx', ['articleId', 'remedy'], {
  where: 'remedy_applied_at IS NOT NULL AND remedy_reversed_at IS NULL',
})
export class ComplaintItem {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'complaint_id', type: 'uuid' })
  complaintId: string;

  @ManyToOne(() => Complaint, (c) => c.items, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'complaint_id', foreignKeyConstraintName: 'complaint_item_complaint_fk' })
  complaint?: Complaint;

  @Column({ type: 'integer' })
  position: number;

  @Column({ type: 'text' })
  kind: ItemKind;

  @Column({ name: 'article_id', type: 'uuid' })
  articleId: string;

  @ManyToOne(() => Article, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'article_id', foreignKeyConstraintName: 'complaint_item_article_fk' })
  article?: Article;

  @Column({ name: 'image_id', type: 'uuid', nullable: true })
  imageId: string | null;

  @ManyToOne(() => ArticleImage, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'image_id', foreignKeyConstraintName: 'complaint_item_image_fk' })
  image?: ArticleImage | null;

  /** The version of the article this item was filed against (article_version), set at intake. */
  @Column({ name: 'snapshot_sha256', type: 'text', nullable: true })
  snapshotSha256: string | null;

  @ManyToOne(() => ArticleVersion, { onDelete: 'RESTRICT' })
  @JoinColumn([
    { name: 'article_id', referencedColumnName: 'articleId', foreignKeyConstraintName: 'complaint_item_snapshot_fk' },
    { name: 'snapshot_sha256', referencedColumnName: 'sha256' },
  ])
  snapshot?: ArticleVersion | null;

  @Column({ name: 'article_url', type: 'text' })
  articleUrl: string;

  @Column({ type: 'text', nullable: true })
  detail: string | null;

  @Column({ type: 'text', nullable: true })
  remedy: Remedy | null;

  @Column({ name: 'remedy_applied_at', type: 'timestamptz', nullable: true })
  remedyAppliedAt: Date | null;

  /** When RemediesService.reverse undid this item's remedy (restoration, appeal, withdrawal). */
  @Column({ name: 'remedy_reversed_at', type: 'timestamptz', nullable: true })
  remedyReversedAt: Date | null;
}
