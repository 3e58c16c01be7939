import { Controller, Get, Param, Render, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Inject } from '@nestjs/common';
import { translate } from '../common/i18n';
import type { Locale } from '../complaints/legal-basis';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { ArticlesService } from './articles.service';
import type { LegalDemand } from './articles.service';
import { Public } from '../auth/auth.decorators';

/** Renders a view; a template error rejects, so it reaches the exception filter like any other. */
function render(res: Response, view: string, data: Record<string, unknown>): Promise<void> {
  return new Promise((resolve, reject) => {
    res.render(view, data, (err: Error | null, html: string) => {
      if (err) return reject(err);
      res.send(html);
      resolve();
    });
  });
}

/**
 * A legal demand as the public page shows it: translation keys for the basis and the requester's
 * category, the decision's date in the reader's language (China's date), and the case reference.
 */
function publicDemand(d: LegalDemand | undefined, locale: Locale) {
  if (!d) return null;
  return {
    reference: d.reference,
    basisKey: `public.basis.${d.legalBasis}`,
    requesterKey: `public.requester.${d.requesterCategory}`,
    decidedOn: d.decidedAt
      ? d.decidedAt.toLocaleDateString(locale === 'en' ? 'en-GB' : 'zh-CN', {
          timeZone: 'Asia/Shanghai',
          dateStyle: 'long',
        })
      : null,
    decidedAt: d.decidedAt?.toISOString() ?? null,
  };
}

/** HTTP 451 Unavailable For Legal Reasons (RFC 7725). */
const UNAVAILABLE_FOR_LEGAL_REASONS = 451;

/** The publisher's demo site: article list, article pages, images. Open to anyone. */
@ApiExcludeController()
@Public()
@Controller()
export class ArticlesController {
  constructor(
    private readonly articles: ArticlesService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @Render('index')
  async index(@Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const list = await this.articles.listPublished();
    return {
      title: translate(res.locals.locale as Locale, 'page.home.title'),
      currentPath: req.path,
      contactEmail: this.config.contactEmail,
      articles: list.map((a) => {
        const first = a.images?.filter((i) => i.status === 'visible').sort((x, y) => x.position - y.position)[0];
        return {
          slug: a.slug,
          title: a.title,
          publishedAt: a.publishedAt,
          excerpt: a.body.split('\n')[0].slice(0, 120),
          thumbnailUrl: first ? this.articles.imageUrl(first.id) : null,
        };
      }),
    };
  }

  /**
   * An article page. A removed article (remedy remove_article) answers 451 with a notice that
   * names the legal demand (basis, who asked as a category, the date of the decision, the case
   * reference: RFC 7725 section 3), never its text nor anything personal; removed images become
   * a notice naming theirs the same way; correction notes in force are shown above the body.
   */
  @Get('articles/:slug')
  async show(@Param('slug') slug: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const a = await this.articles.findBySlug(slug);
    const locale = res.locals.locale as Locale;
    const demands = await this.articles.legalDemands(
      [a.removedById, ...(a.images ?? []).map((i) => i.removedById)],
      a.id,
    );
    const demandOf = (id: string | null) => (id ? publicDemand(demands.get(id), locale) : null);
    if (a.status === 'removed') {
      this.blocked(res);
      // Not the title either: in a reputation or privacy case the title may be what was unlawful.
      await render(res, 'gone', {
        title: translate(locale, 'gone.title'),
        currentPath: req.path,
        contactEmail: this.config.contactEmail,
        demand: demandOf(a.removedById),
      });
      return;
    }
    const [related, corrections] = await Promise.all([this.articles.listPublished(8), this.articles.corrections(a.id)]);
    await render(res, 'article', {
      title: a.title,
      currentPath: req.path,
      contactEmail: this.config.contactEmail,
      disclaimer: this.articles.disclaimer(),
      reportUrl: `/complaints/new?article=${encodeURIComponent(a.slug)}`,
      article: {
        slug: a.slug,
        title: a.title,
        url: a.url,
        publishedAt: a.publishedAt.toISOString(),
        ownerName: a.ownerName,
        paragraphs: a.body.split('\n'),
        corrections: corrections.map((c) => ({ body: c.body, createdAt: c.createdAt.toISOString() })),
        images: (a.images ?? []).map((i) => ({
          id: i.id,
          url: this.articles.imageUrl(i.id),
          caption: i.caption,
          removed: i.status === 'removed',
          demand: i.status === 'removed' ? demandOf(i.removedById) : null,
        })),
      },
      related: related
        .filter((r) => r.slug !== a.slug)
        .slice(0, 6)
        .map((r) => ({ slug: r.slug, title: r.title })),
    });
  }

  @Get('media/images/:id')
  async image(@Param('id') id: string, @Res() res: Response): Promise<void> {
    const img = await this.articles.imageData(id);
    if (img.status === 'removed') {
      // No bytes, and nothing a cache could keep serving.
      this.blocked(res);
      res
        .type('text/plain; charset=utf-8')
        .send(`451 Unavailable For Legal Reasons${img.reference ? ` (case ${img.reference})` : ''}\n`);
      return;
    }
    res.setHeader('Content-Type', img.contentType);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // Revalidated on every view, so an image removed by a decision disappears from caches at once.
    res.setHeader('Cache-Control', 'public, no-cache');
    res.send(img.data);
  }

  /** RFC 7725: status 451 and a Link to whoever implements the block (the publisher, us). */
  private blocked(res: Response): void {
    res.status(UNAVAILABLE_FOR_LEGAL_REASONS);
    res.setHeader('Link', `<${this.config.publicBaseUrl}/>; rel="blocked-by"`);
    res.setHeader('Cache-Control', 'no-store');
  }
}
