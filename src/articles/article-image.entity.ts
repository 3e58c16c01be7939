import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { Complaint } from '../complaints/complaint.entity';
import { Article } from './article.entity';

export type ImageStatus = 'visible' | 'removed';

@Entity('article_image')
@Unique('article_image_position_key', ['articleId', 'position'])
@Check('article_image_status_check', `status IN ('visible', 'removed')`)
export class ArticleImage {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'article_id', type: 'uuid' })
  articleId: string;

  @ManyToOne(() => Article, (a) => a.images, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'article_id', foreignKeyConstraintName: 'article_image_article_fk' })
  article?: Article;

  @Column({ type: 'integer' })
  position: number;

  @Column({ type: 'text' })
  caption: string;

  @Column({ name: 'content_type', type: 'text' })
  contentType: string;

  @Column({ type: 'bytea', select: false })
  data?: Buffer;

  @Column({ type: 'text' })
  sha256: string;

  @Column({ type: 'text', default: 'visible' })
  status: ImageStatus;

  /** The complaint whose remedy removed it, if any. */
  @Column({ name: 'removed_by', type: 'uuid', nullable: true })
  removedById: string | null;

  @ManyToOne(() => Complaint, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'removed_by', foreignKeyConstraintName: 'article_image_removed_by_fk' })
  removedBy?: Complaint | null;
}
