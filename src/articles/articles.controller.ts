import { Controller, Get, Param, Render, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Inject } from '@nestjs/common';
import { translate } from '../common/i18n';
import type { Locale } from '../complaints/legal-basis';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { ArticlesService } from './articles.service';

/** The publisher's demo site: article list, article pages, images. */
@ApiExcludeController()
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

  @Get('articles/:slug')
  @Render('article')
  async show(@Param('slug') slug: string, @Req() req: Request) {
    const a = await this.articles.findBySlug(slug);
    const related = (await this.articles.listPublished(8)).filter((r) => r.slug !== a.slug).slice(0, 6);
    return {
      title: a.title,
      currentPath: req.path,
      contactEmail: this.config.contactEmail,
      disclaimer: this.articles.disclaimer(),
      reportUrl: `/complaints/new?article=${encodeURIComponent(a.slug)}`,
      article: {
        slug: a.slug,
        title: a.title,
        url: a.url,
        publishedAt: a.publishedAt,
        ownerName: a.ownerName,
        paragraphs: a.body.split('\n'),
        images: (a.images ?? []).map((i) => ({ id: i.id, url: this.articles.imageUrl(i.id), caption: i.caption, removed: i.status === 'removed' })),
      },
      related: related.map((r) => ({ slug: r.slug, title: r.title })),
    };
  }

  @Get('media/images/:id')
  async image(@Param('id') id: string, @Res() res: Response): Promise<void> {
    const img = await this.articles.imageData(id);
    res.setHeader('Content-Type', img.contentType);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.send(img.data);
  }
}
