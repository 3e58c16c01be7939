import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../auth/auth.decorators';
import { NotFoundError } from '../common/domain-error';
import { translate } from '../common/i18n';
import type { Locale } from '../complaints/legal-basis';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { RegisterService } from './register.service';

function render(res: Response, view: string, data: Record<string, unknown>): Promise<void> {
  return new Promise((resolve, reject) => {
    res.render(view, data, (err: Error | null, html: string) => {
      if (err) return reject(err);
      res.send(html);
      resolve();
    });
  });
}

const dateIn = (d: Date, locale: Locale) =>
  d.toLocaleDateString(locale === 'en' ? 'en-GB' : 'zh-CN', { timeZone: 'Asia/Shanghai', dateStyle: 'long' });

/**
 * The public notice register: /notices/<reference> shows the redacted notice of a case that led
 * to a measure (see RegisterService), never a private person's name, email, phone or address.
 * A withheld entry answers 410 Gone with a neutral page (so crawlers drop it); no entry, 404.
 */
@ApiExcludeController()
@Public()
@Controller('notices')
export class RegisterController {
  constructor(
    private readonly register: RegisterService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get(':reference')
  async show(@Param('reference') reference: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const locale = res.locals.locale as Locale;
    const found = await this.register.lookup(reference);
    if (found.kind === 'absent') throw new NotFoundError('No register entry with that reference');
    res.setHeader('X-Robots-Tag', 'noarchive');
    if (found.kind === 'withheld') {
      res.status(410);
      await render(res, 'notice-withheld', {
        title: translate(locale, 'register.withheld.title'),
        currentPath: req.path,
        reference,
      });
      return;
    }
    const e = found.entry;
    await render(res, 'notice', {
      title: translate(locale, 'register.title', { ref: e.reference }),
      currentPath: req.path,
      contactEmail: this.config.contactEmail,
      notice: {
        reference: e.reference,
        basisKey: `public.basis.${e.legalBasis}`,
        requesterKey: `public.requester.${e.requesterCategory}`,
        organisation: e.organisation,
        receivedOn: dateIn(e.receivedAt, locale),
        receivedAt: e.receivedAt.toISOString(),
        decidedOn: e.decidedAt ? dateIn(e.decidedAt, locale) : null,
        decidedAt: e.decidedAt?.toISOString() ?? null,
        items: e.items.map((i) => ({
          position: i.position + 1,
          kindKey: `item.kind.${i.kind}`,
          articleTitle: i.articleTitle,
          articleUrl: i.articleSlug ? `/articles/${encodeURIComponent(i.articleSlug)}` : null,
          imageNumber: i.imageNumber,
          remedyKey: i.remedy ? `remedy.${i.remedy}` : 'register.remedy.none',
          appliedOn: i.appliedAt && i.remedy !== 'no_action' ? dateIn(i.appliedAt, locale) : null,
          reversedOn: i.reversedAt ? dateIn(i.reversedAt, locale) : null,
        })),
        counterNotices: e.counterNotices.map((c) => ({
          statusKey: `counterNotice.status.${c.status}`,
          decidedOn: dateIn(c.decidedAt, locale),
          decidedAt: c.decidedAt.toISOString(),
        })),
      },
    });
  }
}
