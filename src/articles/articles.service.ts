import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { StaffPrincipal } from '../auth/auth.decorators';
import { NotFoundError } from '../common/domain-error';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
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

/** A dated correction note shown above an article's body (remedy add_correction). */
export interface PublicCorrection {
  body: string;
  createdAt: Date;
}

/**
 * The legal demand behind a removal, as the public may read it (RFC 7725 notice): the basis, who
 * asked as a category, when it was decided and the case reference. Never a name or contact.
 */
export interface LegalDemand {
  reference: string;
  legalBasis: string;
  requesterCategory: string;
  /** When the remedy took effect (the decision), or null when nothing recorded it. */
  decidedAt: Date | null;
}

/** What the public site needs to serve one image: its bytes, or why it may not. */
export type ImageAnswer =
  { status: 'visible'; contentType: string; data: Buffer } | { status: 'removed'; reference: string | null };

@Injectable()
export class ArticlesService {
  private readonly refCache = new Map<string, { at: number; ref: ArticleRef | null }>();
  private readonly disclaimerTemplate = loadDemoCatalogue().disclaimerTemplate;

  constructor(
    private readonly db: DataSource,
    @InjectRepository(Article) private readonly articles: Repository<Article>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly audit: AuditService,
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
    return this.articles.find({
      order: { publishedAt: 'DESC' },
      take: limit,
      skip: offset,
      relations: { images: true },
    });
  }

  async findBySlug(slug: string): Promise<Article> {
    const article = await this.articles.findOne({ where: { slug }, relations: { images: true } });
    if (!article) throw new NotFoundError('No such article');
    article.images?.sort((a, b) => a.position - b.position);
    return article;
  }

  /**
   * An image's bytes, unless it (or the whole article it belongs to) was removed by a remedy:
   * then the case reference instead, and the bytes are never read.
   */
  async imageData(id: string): Promise<ImageAnswer> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id))
      throw new NotFoundError('No such image');
    const [row] = await this.db.query<
      Array<{ content_type: string; data: Buffer | null; removed: boolean; reference: string | null }>
    >(
      `SELECT i.content_type,
              CASE WHEN i.status = 'visible' AND a.status = 'published' THEN i.data END AS data,
              (i.status = 'removed' OR a.status = 'removed') AS removed,
              coalesce(ci.reference, ca.reference) AS reference
         FROM article_image i
         JOIN article a ON a.id = i.article_id
         LEFT JOIN complaint ci ON ci.id = i.removed_by AND i.status = 'removed'
         LEFT JOIN complaint ca ON ca.id = a.removed_by AND a.status = 'removed'
        WHERE i.id = $1`,
      [id],
    );
    if (!row) throw new NotFoundError('No such image');
    if (row.removed) return { status: 'removed', reference: row.reference };
    if (!row.data) throw new NotFoundError('No such image');
    return { status: 'visible', contentType: row.content_type, data: row.data };
  }

  /** Case references by complaint id, for the removed_by columns (ids without a complaint are left out). */
  async references(complaintIds: Array<string | null | undefined>): Promise<Map<string, string>> {
    const ids = [...new Set(complaintIds.filter((x): x is string => Boolean(x)))];
    if (ids.length === 0) return new Map();
    const rows = await this.db.query<Array<{ id: string; reference: string }>>(
      `SELECT id, reference FROM complaint WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.reference]));
  }

  /**
   * The legal demands behind removals in force, by complaint id: for each, the basis, the
   * requester's category, the case reference and when its remedy on `articleId` (or, with
   * `imageId`, on that image) took effect. Selects nothing personal.
   */
  async legalDemands(ids: Array<string | null | undefined>, articleId: string): Promise<Map<string, LegalDemand>> {
    const wanted = [...new Set(ids.filter((x): x is string => Boolean(x)))];
    if (wanted.length === 0) return new Map();
    const rows = await this.db.query<
      Array<{ id: string; reference: string; legal_basis: string; requester_category: string; decided_at: Date | null }>
    >(
      `SELECT c.id, c.reference, c.legal_basis, c.requester_category,
              (SELECT max(i.remedy_applied_at) FROM complaint_item i
                WHERE i.complaint_id = c.id AND i.article_id = $2 AND i.remedy IN ('remove_article', 'remove_image')) AS decided_at
         FROM complaint c WHERE c.id = ANY($1::uuid[])`,
      [wanted, articleId],
    );
    return new Map(
      rows.map((r) => [
        r.id,
        {
          reference: r.reference,
          legalBasis: r.legal_basis,
          requesterCategory: r.requester_category,
          decidedAt: r.decided_at,
        },
      ]),
    );
  }

  /** The content owner's language (CMS API); an audit event like every admin change. */
  async setOwnerLocale(slug: string, ownerLocale: 'zh-CN' | 'en', actor: StaffPrincipal): Promise<void> {
    await this.db.transaction(async (tx) => {
      const rows = await tx.query<Array<{ id: string; before: string }>>(
        `UPDATE article a SET owner_locale = $2, updated_at = now()
           FROM (SELECT id, owner_locale AS before FROM article WHERE slug = $1 FOR UPDATE) o
          WHERE a.id = o.id RETURNING a.id, o.before`,
        [slug, ownerLocale],
      );
      const updated = (Array.isArray(rows[0]) ? rows[0] : rows) as Array<{ id: string; before: string }>;
      if (!updated[0]) throw new NotFoundError('No such article');
      await this.audit.append(tx, {
        actorType: actor.role,
        actorId: actor.id,
        action: 'article.owner_locale_changed',
        subjectType: 'article',
        subjectId: updated[0].id,
        payload: { slug, from: updated[0].before, to: ownerLocale },
      });
    });
  }

  /** The article's correction notes in force (not withdrawn), oldest first. */
  async corrections(articleId: string): Promise<PublicCorrection[]> {
    const rows = await this.db.query<Array<{ body: string; created_at: Date }>>(
      `SELECT body, created_at FROM article_correction
        WHERE article_id = $1 AND withdrawn_at IS NULL
        ORDER BY created_at, id`,
      [articleId],
    );
    return rows.map((r) => ({ body: r.body, createdAt: r.created_at }));
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
    const rows = await this.db.query<
      Array<{
        id: string;
        slug: string;
        url: string;
        title: string;
        owner_name: string;
        owner_email: string;
        images: ArticleRef['images'];
      }>
    >(
      `SELECT a.id, a.slug, a.url, a.title, a.owner_name, a.owner_email,
              coalesce(json_agg(json_build_object('id', i.id, 'position', i.position) ORDER BY i.position)
                       FILTER (WHERE i.id IS NOT NULL), '[]') AS images
         FROM article a LEFT JOIN article_image i ON i.article_id = a.id
        WHERE a.url = $1 OR a.slug = $2
        GROUP BY a.id LIMIT 1`,
      [key, slug],
    );
    const r = rows[0];
    const ref = r
      ? {
          id: r.id,
          slug: r.slug,
          url: r.url,
          title: r.title,
          ownerName: r.owner_name,
          ownerEmail: r.owner_email,
          images: r.images,
        }
      : null;
    if (this.refCache.size > 5000) this.refCache.clear();
    this.refCache.set(key, { at: Date.now(), ref });
    return ref;
  }
}
