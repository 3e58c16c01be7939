import { Controller, Get, Inject, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import multer from 'multer';
import { randomUUID } from 'node:crypto';
import { ArticlesService } from '../articles/articles.service';
import { Public } from '../auth/auth.decorators';
import { createCsrf } from '../common/csrf';
import { DomainError, ErrorCode, FieldError, StorageUnavailableError, ValidationError } from '../common/domain-error';
import { translate } from '../common/i18n';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { AnswerService } from './answer.service';
import { AppealService } from './appeal.service';
import { ComplaintIntakeService } from './complaint-intake.service';
import { MAX_EVIDENCE_FILES, MAX_FILE_BYTES } from './complaint-validation';
import { partsOf } from './complaints-api.controller';
import { CounterNoticeService } from './counter-notice.service';
import { formToComplaint } from './form-body';
import { IntakeRateLimitGuard } from './intake-rate-limit.guard';
import { LEGAL_BASES } from './legal-basis';
import type { Locale } from './legal-basis';
import { TrackingService } from './tracking.service';
import { UPLOAD_FIELDS, UPLOAD_OPTIONS } from './upload-limits';

const upload = multer(UPLOAD_OPTIONS).fields(UPLOAD_FIELDS);
const answerUpload = multer(UPLOAD_OPTIONS).fields([{ name: 'evidence', maxCount: MAX_EVIDENCE_FILES }]);

/** Refusals of an appeal or a withdrawal, as the page words them (i18n keys). */
const PAGE_REFUSALS: Partial<Record<ErrorCode, string>> = {
  [ErrorCode.APPEAL_WINDOW_CLOSED]: 'appeal.error.windowClosed',
  [ErrorCode.APPEAL_NOT_OPEN]: 'appeal.error.notOpen',
  [ErrorCode.ILLEGAL_TRANSITION]: 'withdraw.error.final',
  [ErrorCode.CONFLICT]: 'appeal.error.conflict',
};

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
    private readonly appeals: AppealService,
    private readonly counterNotices: CounterNoticeService,
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
    @Query() query: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.renderTrack(
      token,
      req,
      res,
      200,
      { done: answered === '1' },
      {
        appeal: { done: query.appealed === '1' },
        withdraw: { confirm: query.withdraw === 'confirm', done: query.withdrawn === '1' },
        litigation: { sent: query.proof === '1' },
      },
    );
  }

  /** The complainant appeals the decision (DSA Art. 20): text and optional files, like an answer. */
  @Post('track/:token/appeal')
  @UseGuards(IntakeRateLimitGuard)
  async appeal(@Param('token') token: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const locale = res.locals.locale as Locale;
    const uploadError = await new Promise<unknown>((resolve) => answerUpload(req, res, (err: unknown) => resolve(err)));
    const body = (req.body ?? {}) as Record<string, unknown>;
    const text = typeof body.appeal === 'string' ? body.appeal : '';
    const fail = (status: number, error: string) =>
      this.renderTrack(token, req, res, status, {}, { appeal: { text, error } });
    if (uploadError) return fail(413, translate(locale, 'validation.fileSize', { max: MAX_FILE_BYTES / 1024 / 1024 }));
    if (!this.csrf.valid(req)) return fail(403, translate(locale, 'validation.csrf'));
    try {
      await this.appeals.appealAsComplainant(
        token,
        text,
        partsOf(req.files as Record<string, Express.Multer.File[]> | undefined),
      );
    } catch (err) {
      const shown = this.pageError(err, locale, res);
      if (shown) return fail(shown.status, shown.message);
      throw err;
    }
    res.redirect(303, `/track/${token}?appealed=1#appeal`);
  }

  /** The complainant withdraws, after confirming on the page (it cannot be undone). */
  @Post('track/:token/withdraw')
  @UseGuards(IntakeRateLimitGuard)
  async withdraw(@Param('token') token: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const locale = res.locals.locale as Locale;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const fail = (status: number, error: string) =>
      this.renderTrack(token, req, res, status, {}, { withdraw: { confirm: true, error } });
    if (!this.csrf.valid(req)) return fail(403, translate(locale, 'validation.csrf'));
    if (body.confirm !== 'yes') return fail(422, translate(locale, 'withdraw.confirmRequired'));
    try {
      await this.appeals.withdraw(token);
    } catch (err) {
      const shown = this.pageError(err, locale, res);
      if (shown) return fail(shown.status, shown.message);
      throw err;
    }
    res.redirect(303, `/track/${token}?withdrawn=1#withdraw`);
  }

  /** A refusal the page explains next to the form (the JSON API answers the same with its code). */
  private pageError(err: unknown, locale: Locale, res: Response): { status: number; message: string } | null {
    if (err instanceof StorageUnavailableError) {
      res.setHeader('Retry-After', String(err.retryAfterSeconds));
      return { status: 503, message: translate(locale, 'validation.storageUnavailable') };
    }
    if (err instanceof ValidationError) {
      const f = err.fields[0];
      const rule = f.field === 'appeal' && f.rule === 'required' ? 'appeal.required' : `validation.${f.rule}`;
      return {
        status: 422,
        message: translate(locale, rule, {
          max: f.rule === 'fileCount' ? MAX_EVIDENCE_FILES : MAX_FILE_BYTES / 1024 / 1024,
        }),
      };
    }
    if (err instanceof DomainError && PAGE_REFUSALS[err.code])
      return {
        status: err.code === ErrorCode.ILLEGAL_TRANSITION ? 409 : 403,
        message: translate(locale, PAGE_REFUSALS[err.code] as string),
      };
    return null;
  }

  /** The complainant's proof of a suit or a complaint to an authority, while restoration is pending. */
  @Post('track/:token/litigation-proof')
  @UseGuards(IntakeRateLimitGuard)
  async litigationProof(@Param('token') token: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const locale = res.locals.locale as Locale;
    const uploadError = await new Promise<unknown>((resolve) => answerUpload(req, res, (err: unknown) => resolve(err)));
    const body = (req.body ?? {}) as Record<string, unknown>;
    const note = typeof body.note === 'string' ? body.note : '';
    const fail = (status: number, error: string) =>
      this.renderTrack(token, req, res, status, {}, { litigation: { note, error } });
    if (uploadError) return fail(413, translate(locale, 'validation.fileSize', { max: MAX_FILE_BYTES / 1024 / 1024 }));
    if (!this.csrf.valid(req)) return fail(403, translate(locale, 'validation.csrf'));
    try {
      await this.counterNotices.litigationProof(
        token,
        note,
        partsOf(req.files as Record<string, Express.Multer.File[]> | undefined),
      );
    } catch (err) {
      if (err instanceof StorageUnavailableError) {
        res.setHeader('Retry-After', String(err.retryAfterSeconds));
        return fail(503, translate(locale, 'validation.storageUnavailable'));
      }
      if (err instanceof ValidationError) {
        const f = err.fields[0];
        return fail(
          422,
          f.rule === 'required'
            ? translate(locale, 'track.litigation.error.files')
            : translate(locale, `validation.${f.rule}`, {
                max: f.rule === 'fileCount' ? MAX_EVIDENCE_FILES : MAX_FILE_BYTES / 1024 / 1024,
              }),
        );
      }
      // The case left restoration_pending between reading the page and sending (restored,
      // withdrawn, or proof already accepted): say so beside the section, nothing was stored.
      if (err instanceof DomainError && err.code === ErrorCode.ILLEGAL_TRANSITION)
        return this.renderTrack(
          token,
          req,
          res,
          409,
          {},
          { litigation: { note, closed: translate(locale, 'track.litigation.error.closed') } },
        );
      throw err;
    }
    res.redirect(303, `/track/${token}?proof=1#litigation`);
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
    more: {
      appeal?: { done?: boolean; text?: string; error?: string };
      withdraw?: { confirm?: boolean; done?: boolean; error?: string };
      litigation?: { sent?: boolean; note?: string; error?: string; closed?: string };
    } = {},
  ): Promise<void> {
    const locale = res.locals.locale as Locale;
    const view = await this.tracking.find(token, locale);
    const status_ = await this.appeals.status('complainant', token);
    const csrfToken = this.csrf.issue(req, res);
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
            csrfToken,
            text: answer.text ?? '',
            error: answer.error ?? null,
          }
        : answer.done
          ? { done: true }
          : null,
      appeal: {
        ...status_,
        action: `/track/${token}/appeal`,
        csrfToken,
        done: !!more.appeal?.done,
        text: more.appeal?.text ?? '',
        error: more.appeal?.error ?? null,
        maxFiles: MAX_EVIDENCE_FILES,
        maxFileMb: MAX_FILE_BYTES / 1024 / 1024,
      },
      withdraw: {
        can: status_.canWithdraw,
        confirm: !!more.withdraw?.confirm && (status_.canWithdraw || !!more.withdraw?.error),
        done: !!more.withdraw?.done,
        error: more.withdraw?.error ?? null,
        askUrl: `/track/${token}?withdraw=confirm#withdraw`,
        backUrl: `/track/${token}#withdraw`,
        action: `/track/${token}/withdraw`,
        csrfToken,
      },
      litigation: view.restoration
        ? {
            ...view.restoration,
            open: view.state === 'restoration_pending' && view.restoration.proof?.status !== 'pending',
            hold: view.state === 'litigation_hold',
            action: `/track/${token}/litigation-proof`,
            csrfToken,
            sent: more.litigation?.sent ?? false,
            note: more.litigation?.note ?? '',
            error: more.litigation?.error ?? null,
            closedError: more.litigation?.closed ?? null,
          }
        : null,
      litigationClosed: view.restoration ? null : (more.litigation?.closed ?? null),
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
        f.field === 'evidence' || f.field === 'authorisation' || f.field === 'identity'
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
