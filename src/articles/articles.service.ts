import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { NotFoundError } from '../common/domain-error';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { ArticleImage } from './article-image.entity';
import { Article } from './article.entity';
import { loadDemoCatalogue } from './demo/demo-catalogue';

/** What intake needs to know about a targeted article; cached briefly on the hot path. */
export interface ArticleRef {
  id: string;
  slug: string;
  url: string;
  title: string;
  ownerName: string;
  ownerEmail: string;
  images: Array<{ id: string; position: number }>;
}

const REF_TTL_MS = 30_000;

@Injectable()
export class ArticlesService {
  private readonly refCache = new Map<string, { at: number; ref: ArticleRef | null }>();
  private readonly disclaimerTemplate = loadDemoCatalogue().disclaimerTemplate;

  constructor(
    private readonly db: DataSource,
    @InjectRepository(Article) private readonly articles: Repository<Article>,
    @InjectRepository(ArticleImage) private readonly images: Repository<ArticleImage>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  disclaimer(): string {
    return this.disclaimerTemplate.replace('{contact}', this.config.contactEmail);
  }

  imageUrl(imageId: string): string {
    return `/media/images/${imageId}`;
  }

  async listPublished(limit = 200, offset = 0): Promise<Article[]> {
    return this.articles.find({
      where: { status: 'published' },
      order: { publishedAt: 'DESC' },
      take: limit,
      skip: offset,
      relations: { images: true },
    });
  }

  async listAll(limit: number, offset: number): Promise<Article[]> {
    return this.articles.find({ order: { publishedAt: 'DESC' }, take: limit, skip: offset, relations: { images: true } });
  }

  async findBySlug(slug: string): Promise<Article> {
    const article = await this.articles.findOne({ where: { slug }, relations: { images: true } });
    if (!article) throw new NotFoundError('No such article');
    article.images?.sort((a, b) => a.position - b.position);
    return article;
  }

  async imageData(id: string): Promise<{ contentType: string; data: Buffer; status: string }> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new NotFoundError('No such image');
    const row = await this.images.findOne({ where: { id }, select: { id: true, contentType: true, data: true, status: true } });
    if (!row?.data) throw new NotFoundError('No such image');
    return { contentType: row.contentType, data: row.data, status: row.status };
  }

  /**
   * Resolves a URL a complainant pasted to one of our articles: our canonical URL, or any URL
   * whose path is /articles/<slug> (the site may be reached under several host names).
   */
  async resolveUrl(raw: string): Promise<ArticleRef | null> {
    const key = raw.trim();
    const hit = this.refCache.get(key);
    if (hit && Date.now() - hit.at < REF_TTL_MS) return hit.ref;
    let slug: string | null = null;
    try {
      const u = new URL(key);
      const m = /^\/articles\/([\w-]+)\/?$/.exec(u.pathname);
      if ((u.protocol === 'http:' || u.protocol === 'https:') && m) slug = m[1];
    } catch {
      slug = null;
    }
    const rows = await this.db.query<Array<{ id: string; slug: string; url: string; title: string; owner_name: string; owner_email: string; images: ArticleRef['images'] }>>(
      `SELECT a.id, a.slug, a.url, a.title, a.owner_name, a.owner_email,
              coalesce(json_agg(json_build_object('id', i.id, 'position', i.position) ORDER BY i.position)
                       FILTER (WHERE i.id IS NOT NULL), '[]') AS images
         FROM article a LEFT JOIN article_image i ON i.article_id = a.id
        WHERE a.url = $1 OR a.slug = $2
        GROUP BY a.id LIMIT 1`,
      [key, slug],
    );
    const r = rows[0];
    const ref = r ? { id: r.id, slug: r.slug, url: r.url, title: r.title, ownerName: r.owner_name, ownerEmail: r.owner_email, images: r.images } : null;
    if (this.refCache.size > 5000) this.refCache.clear();
    this.refCache.set(key, { at: Date.now(), ref });
    return ref;
  }
}
