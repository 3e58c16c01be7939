import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { DataSource } from 'typeorm';
import { Public } from '../auth/auth.decorators';
import { NotFoundError } from '../common/domain-error';
import { translate } from '../common/i18n';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { hashToken } from '../common/tokens';
import type { Locale } from './legal-basis';

/**
 * The content owner's private link from the notice: what was done to their article and why.
 * Filing a counter-notice here comes with the counter-notice issue; until then the page says
 * how to respond by mail.
 */
@ApiExcludeController()
@Public()
@Controller('respond')
export class OwnerResponseController {
  constructor(
    private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get(':token')
  async show(@Param('token') token: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    if (!/^[A-Za-z0-9_-]{40,64}$/.test(token)) throw new NotFoundError('No notice for this link');
    const [c] = await this.db.query<
      Array<{
        reference: string;
        state: string;
        legal_basis: string;
        decision_reason: string | null;
        items: Array<{ kind: string; title: string; url: string; remedy: string | null; detail: string | null }>;
      }>
    >(
      // One link per content owner: the page shows that owner's items only (a link from
      // before links were per owner names nobody and shows the whole case).
      `SELECT c.reference, c.state, c.legal_basis, c.decision_reason,
              (SELECT json_agg(json_build_object('kind', i.kind, 'title', a.title, 'url', a.url, 'remedy', i.remedy, 'detail', i.detail) ORDER BY i.position)
                 FROM complaint_item i JOIN article a ON a.id = i.article_id
                WHERE i.complaint_id = c.id AND (l.owner_email IS NULL OR lower(a.owner_email) = l.owner_email)) AS items
         FROM access_link l JOIN complaint c ON c.id = l.complaint_id
        WHERE l.token_hash = $1 AND l.party = 'content_owner' AND (l.expires_at IS NULL OR l.expires_at > now())`,
      [hashToken(token)],
    );
    if (!c) throw new NotFoundError('No notice for this link');
    const locale = res.locals.locale as Locale;
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cache-Control', 'no-store');
    res.render('respond', {
      title: `${translate(locale, 'respond.title')} ${c.reference}`,
      currentPath: req.path,
      contactEmail: this.config.contactEmail,
      notice: {
        reference: c.reference,
        state: c.state,
        legalBasis: c.legal_basis,
        reason: c.decision_reason,
        items: c.items ?? [],
      },
    });
  }
}
