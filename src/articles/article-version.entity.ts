import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Article } from './article.entity';

/**
 * An article as it stood when a complaint was filed against it, stored once per distinct content:
 * keyed by the article and the SHA-256 of what was captured (title, body, image list). Complaint
 * items name the version they were filed against (`complaint_item.snapshot_sha256`).
 */
@Entity('article_version')
export class ArticleVersion {
  @PrimaryColumn({ name: 'article_id', type: 'uuid', primaryKeyConstraintName: 'article_version_pkey' })
  articleId: string;

  @ManyToOne(() => Article, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'article_id', foreignKeyConstraintName: 'article_version_article_fk' })
  article?: Article;

  /**
   * Hex SHA-256 of jsonb_build_array(title, body, images)::text, UTF-8 (versions folded in from
   * article_snapshot keep that table's hash of title, body and images joined by newlines).
   */
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'article_version_pkey' })
  sha256: string;

  @Column({ type: 'text' }) title: string;
  @Column({ type: 'text' }) body: string;
  @Column({ type: 'jsonb' }) images: Array<{ id: string; caption: string; sha256: string; status: string }>;
  @Column({ name: 'first_taken_at', type: 'timestamptz', default: () => 'now()' }) firstTakenAt: Date;
}
