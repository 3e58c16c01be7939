import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import type { StaffPrincipal } from '../auth/auth.decorators';
import { ConflictError, ValidationError } from '../common/domain-error';
import { translate } from '../common/i18n';
import { isLocale, LEGAL_BASES } from '../complaints/legal-basis';
import type { Locale } from '../complaints/legal-basis';
import { DISMISS_CATEGORIES, INBOX_STATUSES, InboxReviewService } from './inbox-review.service';
import type { FileAction } from './inbox-review.service';

const first = (v: unknown): string =>
  typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '';
const all = (v: unknown): string[] =>
  (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string' && x.trim() !== '');
const DONE = ['filed', 'dismissed'];

/** The staff page's form fields as one FileAction (the API takes the same shape as JSON). */
export function formToAction(b: Record<string, unknown>): FileAction {
  const action = first(b.action);
  if (action === 'attach') return { action, reference: first(b.reference) };
  if (action === 'dismiss') return { action, category: first(b.category), reason: first(b.reason) };
  const extra = first(b.extraUrls)
    .split(/\s+/)
    .filter((u) => u.trim());
  return {
    action: 'new_case',
    legalBasis: first(b.legalBasis),
    articleUrls: [...all(b.articleUrls), ...extra],
    complainant: {
      name: first(b.name),
      phone: first(b.phone) || undefined,
      address: first(b.address) || undefined,
      organisation: first(b.organisation) || undefined,
    },
    explanation: first(b.explanation),
    stated: {
      truthful: all(b.stated).includes('truthful'),
      goodFaith: all(b.stated).includes('goodFaith'),
      perjury: all(b.stated).includes('perjury'),
    },
    originalWork: first(b.originalWorkDescription)
      ? { description: first(b.originalWorkDescription), url: first(b.originalWorkUrl) || undefined }
      : undefined,
  };
}

/**
 * The staff mailbox: GET /staff/inbox (unfiled messages; ?status= for the others) renders
 * templates/views/staff/inbox.hbs; GET /staff/inbox/:id (inbox-message.hbs) one message with its
 * text, its HTML in a sandboxed frame (/staff/inbox/:id/html), attachments, article links and the
 * three ways to file it, which POST to /staff/inbox/:id/file and redirect (303) on success or
 * re-render with the errors (422, 409).
 */
@ApiExcludeController()
@Roles('moderator', 'admin')
@Controller('staff/inbox')
export class InboxController {
  constructor(private readonly review: InboxReviewService) {}

  @Get()
  async list(
    @Query('status') status: unknown,
    @Query('q') q: unknown,
    @Query('done') done: unknown,
    @CurrentUser() user: StaffPrincipal,
    @Res() res: Response,
  ): Promise<void> {
    const locale = localeOf(res);
    const s = (INBOX_STATUSES as readonly string[]).includes(first(status)) ? first(status) : 'unfiled';
    const items = await this.review.list({ status: s, q: first(q) });
    const d = first(done);
    res.setHeader('Cache-Control', 'no-store');
    res.render('staff/inbox', {
      title: translate(locale, 'inbox.title'),
      staff: user,
      currentPath: '/staff/inbox',
      status: s,
      q: first(q),
      done: DONE.includes(d) ? d : null,
      tabs: INBOX_STATUSES.map((x) => ({ status: x, active: x === s })),
      items,
    });
  }

  @Get(':id')
  async show(
    @Param('id') id: string,
    @Query('images') images: unknown,
    @CurrentUser() user: StaffPrincipal,
    @Res() res: Response,
  ): Promise<void> {
    await this.renderMessage(res, 200, id, user, { images: first(images) === '1' });
  }

  /** The message's HTML, sanitised, for a sandboxed frame: no scripts, no remote loads, nothing but the frame may embed it. */
  @Get(':id/html')
  async html(@Param('id') id: string, @Query('images') images: unknown, @Res() res: Response): Promise<void> {
    // Remote images only when a moderator asks (?images=1): loading one tells the sender the mail was read.
    const remote = first(images) === '1';
    const m = await this.review.get(id, { remoteImages: remote });
    res.setHeader(
      'Content-Security-Policy',
      `default-src 'none'; img-src data:${remote ? ' https: http:' : ''}; style-src 'unsafe-inline'; sandbox allow-popups allow-popups-to-escape-sandbox; frame-ancestors 'self'`,
    );
    res.setHeader('X-Frame-Options', 'SAMEORIGIN');
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(`<!doctype html><meta charset="utf-8"><base target="_blank">${m.html ?? ''}`);
  }

  @Get(':id/attachments/:n')
  async attachment(@Param('id') id: string, @Param('n') n: string, @Res() res: Response): Promise<void> {
    const a = await this.review.attachment(id, Number.parseInt(n, 10));
    res.setHeader('Content-Type', a.contentType);
    res.setHeader('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(a.name)}`);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-store');
    res.send(a.data);
  }

  @Post(':id/file')
  async file(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentUser() user: StaffPrincipal,
    @Res() res: Response,
  ): Promise<void> {
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const action = formToAction(b);
    try {
      const result = await this.review.file(id, action, user);
      if (result.complaintReference) return res.redirect(303, `/staff/complaints/${result.complaintReference}`);
      return res.redirect(303, `/staff/inbox?done=${result.status}`);
    } catch (err) {
      if (err instanceof ValidationError)
        return this.renderMessage(res, 422, id, user, {
          open: action.action,
          typed: b,
          errors: err.fields.map((f) => {
            const stated = /^declarations\.(truthful|goodFaith|perjury)$/.exec(f.field)?.[1];
            const locale = localeOf(res);
            return stated
              ? {
                  field: f.field,
                  message: translate(locale, 'inbox.error.unstated', {
                    what: translate(locale, `inbox.stated.${stated}`),
                  }),
                }
              : { field: f.field, message: f.message };
          }),
        });
      if (err instanceof ConflictError) return this.renderMessage(res, 409, id, user, { conflict: true });
      throw err;
    }
  }

  private async renderMessage(
    res: Response,
    status: number,
    id: string,
    user: StaffPrincipal,
    opts: {
      open?: string;
      typed?: Record<string, unknown>;
      errors?: Array<{ field: string; message: string }>;
      conflict?: boolean;
      images?: boolean;
    },
  ): Promise<void> {
    const locale = localeOf(res);
    const m = await this.review.get(id);
    const typed = opts.typed ?? {};
    const chosenUrls = opts.typed ? all(typed.articleUrls) : m.articleLinks.map((l) => l.url);
    res.setHeader('Cache-Control', 'no-store');
    res.status(status).render('staff/inbox-message', {
      title: `${m.reference} · ${translate(locale, 'inbox.title')}`,
      staff: user,
      currentPath: '/staff/inbox',
      m,
      unfiled: m.status === 'unfiled',
      open: opts.open ?? null,
      conflict: !!opts.conflict,
      images: !!opts.images,
      errors: opts.errors ?? [],
      basisOptions: LEGAL_BASES.map((v) => ({ value: v, selected: first(typed.legalBasis) === v })),
      categoryOptions: DISMISS_CATEGORIES.map((v) => ({ value: v, selected: first(typed.category) === v })),
      links: m.articleLinks.map((l) => ({ ...l, checked: chosenUrls.includes(l.url) })),
      form: {
        name: opts.typed ? first(typed.name) : (m.fromName ?? ''),
        phone: first(typed.phone),
        address: first(typed.address),
        organisation: first(typed.organisation),
        explanation: opts.typed ? first(typed.explanation) : m.text,
        extraUrls: first(typed.extraUrls),
        originalWorkDescription: first(typed.originalWorkDescription),
        originalWorkUrl: first(typed.originalWorkUrl),
        reference: first(typed.reference),
        reason: first(typed.reason),
        stated: {
          truthful: all(typed.stated).includes('truthful'),
          goodFaith: all(typed.stated).includes('goodFaith'),
          perjury: all(typed.stated).includes('perjury'),
        },
      },
    });
  }
}

function localeOf(res: Response): Locale {
  return isLocale(res.locals.locale) ? res.locals.locale : 'zh-CN';
}
