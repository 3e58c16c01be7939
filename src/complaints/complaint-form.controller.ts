import { Controller, Get, Inject, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import multer from 'multer';
import { randomUUID } from 'node:crypto';
import { ArticlesService } from '../articles/articles.service';
import { Public } from '../auth/auth.decorators';
import { createCsrf } from '../common/csrf';
import { FieldError, StorageUnavailableError, ValidationError } from '../common/domain-error';
import { translate } from '../common/i18n';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { AnswerService } from './answer.service';
import { ComplaintIntakeService } from './complaint-intake.service';
import { MAX_EVIDENCE_FILES, MAX_FILE_BYTES } from './complaint-validation';
import { partsOf } from './complaints-api.controller';
import { formToComplaint } from './form-body';
import { IntakeRateLimitGuard } from './intake-rate-limit.guard';
import { LEGAL_BASES } from './legal-basis';
import type { Locale } from './legal-basis';
import { TrackingService } from './tracking.service';
import { UPLOAD_FIELDS, UPLOAD_OPTIONS } from './upload-limits';

const upload = multer(UPLOAD_OPTIONS).fields(UPLOAD_FIELDS);
const answerUpload = multer(UPLOAD_OPTIONS).fields([{ name: 'evidence', maxCount: MAX_EVIDENCE_FILES }]);

/** The public complaint form, its confirmation page and the complainant's tracking page. Open to anyone. */
@ApiExcludeController()
@Public()
@Controller()
export class ComplaintFormController {
  private readonly csrf;

  constructor(
    private readonly intake: ComplaintIntakeService,
    private readonly articles: ArticlesService,
    private readonly tracking: TrackingService,
    private readonly answers: AnswerService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.csrf = createCsrf(config.cookieSecret, config.publicBaseUrl.startsWith('https:'));
  }

  @Get('complaints/new')
  async form(
    @Query('article') slug: string | undefined,
    @Query() query: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    let articleUrl = '';
    if (typeof slug === 'string' && slug)
      articleUrl = (await this.articles.resolveUrl(`${this.config.publicBaseUrl}/articles/${slug}`))?.url ?? '';
    // The contact mailbox's receipt links here prefilled with what the email said (src/inbox/).
    const q = (k: string, max: number) => (typeof query[k] === 'string' ? query[k].slice(0, max) : '');
    await this.renderForm(
      req,
      res,
      200,
      {
        items: [{ articleUrl, kind: 'article' }],
        complainant: { name: q('name', 200), email: q('email', 254) },
        explanation: q('explanation', 10000),
      },
      [],
    );
  }

  @Post('complaints')
  @UseGuards(IntakeRateLimitGuard)
  async submit(@Req() req: Request, @Res() res: Response): Promise<void> {
    const locale = res.locals.locale as Locale;
    const uploadError = await new Promise<unknown>((resolve) => upload(req, res, (err: unknown) => resolve(err)));
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (uploadError) {
      const code = (uploadError as { code?: string }).code;
      const rule =
        code === 'LIMIT_FILE_SIZE'
          ? 'fileSize'
          : code === 'LIMIT_FILE_COUNT' || code === 'LIMIT_UNEXPECTED_FILE'
            ? 'fileCount'
            : 'invalid';
      const status = rule === 'fileSize' ? 413 : 422;
      return this.renderForm(req, res, status, body, [{ field: 'evidence', rule, message: '' }]);
    }
    if (!this.csrf.valid(req)) {
      return this.renderForm(req, res, 403, body, [{ field: '_csrf', rule: 'csrf', message: '' }]);
    }
    const files = req.files as Record<string, Express.Multer.File[]> | undefined;
    try {
      const result = await this.intake.submit(formToComplaint(body, locale), partsOf(files), {
        idempotencyKey: typeof body.idempotencyKey === 'string' ? body.idempotencyKey : undefined,
        locale,
        ip: req.ip,
        channel: 'form',
      });
      res.status(result.replayed ? 200 : 201).render('complaint-submitted', {
        title: translate(locale, 'page.submitted.title'),
        currentPath: '/complaints/new',
        contactEmail: this.config.contactEmail,
        reference: result.reference,
        state: result.state,
        trackingUrl: result.trackingUrl,
        email: result.email,
      });
    } catch (err) {
      if (err instanceof ValidationError)
        return this.renderForm(req, res, 422, body, err.fields, Boolean(files && Object.keys(files).length));
      if (err instanceof StorageUnavailableError) {
        // Nothing was stored; the form comes back with what was typed, and the reason.
        res.setHeader('Retry-After', String(err.retryAfterSeconds));
        return this.renderForm(
          req,
          res,
          503,
          body,
          [{ field: '_storage', rule: 'storageUnavailable', message: '' }],
          true,
        );
      }
      throw err;
    }
  }

  @Get('track/:token')
  async track(
    @Param('token') token: string,
    @Query('answered') answered: string | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.renderTrack(token, req, res, 200, { done: answered === '1' });
  }

  @Post('track/:token/answer')
  @UseGuards(IntakeRateLimitGuard)
  async answer(@Param('token') token: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const locale = res.locals.locale as Locale;
    const uploadError = await new Promise<unknown>((resolve) => answerUpload(req, res, (err: unknown) => resolve(err)));
    const body = (req.body ?? {}) as Record<string, unknown>;
    const text = typeof body.answer === 'string' ? body.answer : '';
    if (uploadError)
      return this.renderTrack(token, req, res, 413, {
        text,
        error: translate(locale, 'validation.fileSize', { max: MAX_FILE_BYTES / 1024 / 1024 }),
      });
    if (!this.csrf.valid(req))
      return this.renderTrack(token, req, res, 403, { text, error: translate(locale, 'validation.csrf') });
    try {
      await this.answers.answer(token, text, partsOf(req.files as Record<string, Express.Multer.File[]> | undefined));
    } catch (err) {
      if (err instanceof StorageUnavailableError) {
        res.setHeader('Retry-After', String(err.retryAfterSeconds));
        return this.renderTrack(token, req, res, 503, {
          text,
          error: translate(locale, 'validation.storageUnavailable'),
        });
      }
      if (err instanceof ValidationError) {
        const f = err.fields[0];
        return this.renderTrack(token, req, res, 422, {
          text,
          error: translate(locale, `validation.${f.rule}`, {
            max: f.rule === 'fileCount' ? MAX_EVIDENCE_FILES : MAX_FILE_BYTES / 1024 / 1024,
          }),
        });
      }
      throw err;
    }
    res.redirect(303, `/track/${token}?answered=1#answer`);
  }

  private async renderTrack(
    token: string,
    req: Request,
    res: Response,
    status: number,
    answer: { done?: boolean; text?: string; error?: string },
  ): Promise<void> {
    const locale = res.locals.locale as Locale;
    const view = await this.tracking.find(token, locale);
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cache-Control', 'no-store');
    const waiting = view.state === 'needs_info' && view.infoRequest;
    res.status(status).render('track', {
      title: `${translate(locale, 'page.track.title')} ${view.reference}`,
      currentPath: req.path,
      contactEmail: this.config.contactEmail,
      complaint: view,
      timeline: view.timeline,
      answer: waiting
        ? {
            ...view.infoRequest,
            action: `/track/${token}/answer`,
            csrfToken: this.csrf.issue(req, res),
            text: answer.text ?? '',
            error: answer.error ?? null,
          }
        : answer.done
          ? { done: true }
          : null,
    });
  }

  private async renderForm(
    req: Request,
    res: Response,
    status: number,
    values: Record<string, unknown>,
    fields: FieldError[],
    hadFiles = false,
  ): Promise<void> {
    const locale = res.locals.locale as Locale;
    const errors: Record<string, string> = {};
    const errorList: Array<{ field: string; message: string }> = [];
    for (const f of fields) {
      const vars = {
        max: f.rule === 'fileSize' ? MAX_FILE_BYTES / 1024 / 1024 : f.rule === 'fileCount' ? MAX_EVIDENCE_FILES : 10,
      };
      const base = translate(locale, `validation.${f.rule}`, vars);
      // File names make file errors specific ("scan.gif: …"); other messages are ours.
      const message =
        f.field === 'evidence' || f.field === 'authorisation'
          ? f.message.includes(':')
            ? `${f.message.split(':')[0]}: ${base}`
            : base
          : base;
      if (!errors[f.field]) errors[f.field] = message;
      errorList.push({ field: f.field, message });
    }
    const catalogue = await this.articles.listPublished(500);
    const { _csrf: _token, ...kept } = values;
    void _token;
    res.status(status).render('complaint-form', {
      title: translate(locale, 'page.form.title'),
      currentPath: req.path === '/complaints' ? '/complaints/new' : req.path,
      contactEmail: this.config.contactEmail,
      csrfToken: this.csrf.issue(req, res),
      idempotencyKey:
        typeof values.idempotencyKey === 'string' && values.idempotencyKey ? values.idempotencyKey : randomUUID(),
      values: kept,
      errors,
      errorList,
      hadFiles: hadFiles || fields.some((f) => f.field === 'evidence'),
      storageUnavailable: fields.some((f) => f.field === '_storage'),
      articles: catalogue.map((a) => ({
        slug: a.slug,
        title: a.title,
        url: a.url,
        images: (a.images ?? [])
          .sort((x, y) => x.position - y.position)
          .map((i) => ({ id: i.id, url: this.articles.imageUrl(i.id), caption: i.caption })),
      })),
      legalBases: LEGAL_BASES,
      maxFiles: MAX_EVIDENCE_FILES,
      maxFileMb: MAX_FILE_BYTES / 1024 / 1024,
    });
  }
}
