import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  OneToMany,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { Complaint } from '../complaints/complaint.entity';
import { ArticleImage } from './article-image.entity';

export type ArticleStatus = 'published' | 'removed';

@Entity('article')
@Index('article_published_at_idx', { synchronize: false })
@Check('article_status_check', `status IN ('published', 'removed')`)
@Check('article_owner_locale_check', `owner_locale IN ('zh-CN', 'en')`)
export class Article {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text', unique: true })
  slug: string;

  @Column({ type: 'text', unique: true })
  url: string;

  @Column({ type: 'text' })
  title: string;

  @Column({ type: 'text' })
  body: string;

  @Column({ name: 'published_at', type: 'timestamptz' })
  publishedAt: Date;

  @Column({ name: 'owner_name', type: 'text' })
  ownerName: string;

  @Column({ name: 'owner_email', type: 'text' })
  ownerEmail: string;

  /** The content owner's language: their mail (owner-notice) is written in it. */
  @Column({ name: 'owner_locale', type: 'text', default: 'zh-CN' })
  ownerLocale: 'zh-CN' | 'en';

  @Column({ type: 'text', default: 'published' })
  status: ArticleStatus;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @OneToMany(() => ArticleImage, (image) => image.article)
  images?: ArticleImage[];

  /** The complaint whose remedy removed it, if any. */
  @Column({ name: 'removed_by', type: 'uuid', nullable: true })
  removedById: string | null;

  @ManyToOne(() => Complaint, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'removed_by', foreignKeyConstraintName: 'article_removed_by_fk' })
  removedBy?: Complaint | null;
}
