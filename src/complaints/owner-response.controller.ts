import { Controller, Get, Inject, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import multer from 'multer';
import { Public } from '../auth/auth.decorators';
import { createCsrf } from '../common/csrf';
import { DomainError, ErrorCode, FieldError, StorageUnavailableError, ValidationError } from '../common/domain-error';
import { translate } from '../common/i18n';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { MAX_EVIDENCE_FILES, MAX_FILE_BYTES } from './complaint-validation';
import { partsOf } from './complaints-api.controller';
import { AppealService } from './appeal.service';
import { CounterNoticeService, OwnerView } from './counter-notice.service';
import { IntakeRateLimitGuard } from './intake-rate-limit.guard';
import type { Locale } from './legal-basis';
import { UPLOAD_OPTIONS } from './upload-limits';

const upload = multer(UPLOAD_OPTIONS).fields([{ name: 'evidence', maxCount: MAX_EVIDENCE_FILES }]);

interface FormState {
  which: 'fix' | 'counterNotice';
  values: Record<string, unknown>;
  errors: FieldError[];
}

/**
 * The content owner's private link from the notice: the notice as the law forwards it, what was
 * done to their items (only theirs) and why, and two ways to answer: a fix for a moderator to
 * check, or a counter-notice with the fields its basis requires (eu-dsa and accuracy: an appeal);
 * and an appeal against the decision (DSA Art. 20) while its window is open.
 */
@ApiExcludeController()
@Public()
@Controller('respond')
export class OwnerResponseController {
  private readonly csrf;

  constructor(
    private readonly counterNotices: CounterNoticeService,
    private readonly appeals: AppealService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.csrf = createCsrf(config.cookieSecret, config.publicBaseUrl.startsWith('https:'));
  }

  @Get(':token')
  async show(
    @Param('token') token: string,
    @Query('sent') sent: string | undefined,
    @Query('appealed') appealed: string | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.render(token, req, res, 200, null, sent === 'fix' || sent === 'counter-notice' ? sent : null, {
      done: appealed === '1',
    });
  }

  /** The owner appeals the decision on their article: text and optional files, checked like evidence. */
  @Post(':token/appeal')
  @UseGuards(IntakeRateLimitGuard)
  async appeal(@Param('token') token: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const locale = res.locals.locale as Locale;
    const uploadError = await new Promise<unknown>((resolve) => upload(req, res, (err: unknown) => resolve(err)));
    const body = (req.body ?? {}) as Record<string, unknown>;
    const text = typeof body.appeal === 'string' ? body.appeal : '';
    const fail = (status: number, key: string, vars: Record<string, unknown> = {}) =>
      this.render(token, req, res, status, null, null, { text, error: translate(locale, key, vars) });
    if (uploadError) return fail(413, 'validation.fileSize', { max: MAX_FILE_BYTES / 1024 / 1024 });
    if (!this.csrf.valid(req)) return fail(403, 'validation.csrf');
    try {
      await this.appeals.appealAsOwner(
        token,
        text,
        partsOf(req.files as Record<string, Express.Multer.File[]> | undefined),
      );
    } catch (err) {
      if (err instanceof StorageUnavailableError) {
        res.setHeader('Retry-After', String(err.retryAfterSeconds));
        return fail(503, 'validation.storageUnavailable');
      }
      if (err instanceof ValidationError) {
        const f = err.fields[0];
        return fail(422, f.field === 'appeal' ? 'appeal.required' : `validation.${f.rule}`, {
          max: f.rule === 'fileCount' ? MAX_EVIDENCE_FILES : MAX_FILE_BYTES / 1024 / 1024,
        });
      }
      if (err instanceof DomainError && err.code === ErrorCode.APPEAL_WINDOW_CLOSED)
        return fail(403, 'appeal.error.windowClosed');
      if (err instanceof DomainError && err.code === ErrorCode.APPEAL_NOT_OPEN)
        return fail(403, 'appeal.error.notOpen');
      if (err instanceof DomainError && err.code === ErrorCode.CONFLICT) return fail(409, 'appeal.error.conflict');
      throw err;
    }
    res.redirect(303, `/respond/${token}?appealed=1#appeal`);
  }

  @Post(':token/fix')
  @UseGuards(IntakeRateLimitGuard)
  async fix(@Param('token') token: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.handle(token, req, res, 'fix', async (body, parts) => {
      await this.counterNotices.fix(token, typeof body.fix === 'string' ? body.fix : '', parts);
    });
  }

  @Post(':token/counter-notice')
  @UseGuards(IntakeRateLimitGuard)
  async counterNotice(@Param('token') token: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const locale = res.locals.locale as Locale;
    await this.handle(token, req, res, 'counterNotice', async (body, parts) => {
      await this.counterNotices.counterNotice(token, body, parts, locale);
    });
  }

  private async handle(
    token: string,
    req: Request,
    res: Response,
    which: FormState['which'],
    act: (body: Record<string, unknown>, parts: ReturnType<typeof partsOf>) => Promise<void>,
  ): Promise<void> {
    const uploadError = await new Promise<unknown>((resolve) => upload(req, res, (err: unknown) => resolve(err)));
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (uploadError) {
      const code = (uploadError as { code?: string }).code;
      const rule = code === 'LIMIT_FILE_SIZE' ? 'fileSize' : 'fileCount';
      return this.render(token, req, res, rule === 'fileSize' ? 413 : 422, {
        which,
        values: body,
        errors: [{ field: 'files', rule, message: '' }],
      });
    }
    if (!this.csrf.valid(req))
      return this.render(token, req, res, 403, {
        which,
        values: body,
        errors: [{ field: '_csrf', rule: 'csrf', message: '' }],
      });
    try {
      await act(body, partsOf(req.files as Record<string, Express.Multer.File[]> | undefined));
    } catch (err) {
      if (err instanceof ValidationError)
        return this.render(token, req, res, 422, { which, values: body, errors: err.fields });
      if (err instanceof StorageUnavailableError) {
        res.setHeader('Retry-After', String(err.retryAfterSeconds));
        return this.render(token, req, res, 503, {
          which,
          values: body,
          errors: [{ field: 'files', rule: 'storageUnavailable', message: '' }],
        });
      }
      if (err instanceof DomainError && err.code !== ErrorCode.NOT_FOUND)
        return this.render(token, req, res, 409, {
          which,
          values: body,
          errors: [{ field: '_state', rule: 'state', message: err.message }],
        });
      throw err;
    }
    res.redirect(303, `/respond/${token}?sent=${which === 'fix' ? 'fix' : 'counter-notice'}#answered`);
  }

  private async render(
    token: string,
    req: Request,
    res: Response,
    status: number,
    form: FormState | null,
    sent: string | null = null,
    appeal: { done?: boolean; text?: string; error?: string } = {},
  ): Promise<void> {
    const locale = res.locals.locale as Locale;
    const view: OwnerView = await this.counterNotices.view(token);
    const appealStatus = await this.appeals.status('content_owner', token);
    const errorOf = (field: string) => {
      const f = form?.errors.find((e) => e.field === field);
      if (!f) return null;
      if (f.rule === 'required') return translate(locale, `counterNotice.error.${field}`);
      return translate(locale, `validation.${f.rule}`, {
        max: f.rule === 'fileCount' ? MAX_EVIDENCE_FILES : MAX_FILE_BYTES / 1024 / 1024,
      });
    };
    const cnValues = form?.which === 'counterNotice' ? form.values : {};
    const chosen = new Set(
      (Array.isArray(cnValues.items) ? cnValues.items : cnValues.items !== undefined ? [cnValues.items] : []).map(
        String,
      ),
    );
    const csrfToken = this.csrf.issue(req, res);
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cache-Control', 'no-store');
    const formErrors = (which: FormState['which']) =>
      form?.which === which
        ? form.errors.map((e) => ({
            field: e.field,
            message:
              e.field === '_state'
                ? translate(locale, 'counterNotice.error.state')
                : e.field === '_csrf'
                  ? translate(locale, 'validation.csrf')
                  : `${translate(locale, `counterNotice.field.${e.field}`)}${locale === 'en' ? ': ' : '：'}${errorOf(e.field) ?? ''}`,
          }))
        : [];
    res.status(status).render('respond', {
      title: `${translate(locale, 'respond.title')} ${view.reference}`,
      currentPath: req.path,
      contactEmail: this.config.contactEmail,
      notice: { ...view, items: view.items },
      answered: sent,
      appeal: {
        ...appealStatus,
        action: `/respond/${token}/appeal`,
        csrfToken,
        done: !!appeal.done,
        text: appeal.text ?? '',
        error: appeal.error ?? null,
        maxFiles: MAX_EVIDENCE_FILES,
        maxFileMb: MAX_FILE_BYTES / 1024 / 1024,
      },
      ownerForms: {
        csrfToken,
        fixAction: `/respond/${token}/fix`,
        counterNoticeAction: `/respond/${token}/counter-notice`,
        maxFiles: MAX_EVIDENCE_FILES,
        maxFileMb: MAX_FILE_BYTES / 1024 / 1024,
        fix: {
          open: view.can.fix,
          text: form?.which === 'fix' && typeof form.values.fix === 'string' ? form.values.fix : '',
          error: form?.which === 'fix' ? (errorOf('fix') ?? errorOf('files')) : null,
          errors: formErrors('fix'),
        },
        counterNotice: {
          open: view.can.counterNotice,
          basis: view.legalBasis,
          hasProcedure: view.fields.length > 0,
          filesRequired: view.filesRequired,
          filesLabel: labelOf(locale, view.legalBasis, 'files'),
          filesHint: hintOf(locale, view.legalBasis, 'files'),
          errors: formErrors('counterNotice'),
          filesError: errorOf('files'),
          itemsError: errorOf('items'),
          items: view.items
            .filter((i) => i.remedy && i.remedy !== 'no_action' && !i.reversed)
            .map((i) => ({ ...i, checked: chosen.has(String(i.position)) || (!form && true) })),
          fields: view.fields.map((f) => ({
            ...f,
            id: `cn-${f.key}`,
            label: labelOf(locale, view.legalBasis, f.key),
            hint: `${hintOf(locale, view.legalBasis, f.key)} (${f.law})`,
            text: f.kind === 'check' ? translate(locale, `counterNotice.check.${view.legalBasis}.${f.key}`) : undefined,
            value: typeof cnValues[f.key] === 'string' ? cnValues[f.key] : '',
            checked: cnValues[f.key] === 'true' || cnValues[f.key] === 'on',
            error: errorOf(f.key),
            multiline: f.kind === 'longtext',
            isCheck: f.kind === 'check',
          })),
        },
      },
    });
  }
}

/** A field's hint: the basis's own wording where it differs, else the common one. */
function hintOf(locale: Locale, basis: string, key: string): string {
  const own = `counterNotice.hint.${basis}.${key}`;
  const text = translate(locale, own);
  return text === own ? translate(locale, `counterNotice.hint.${key}`) : text;
}

/** A field's label: the basis's own wording where it differs (512(g)(3) asks no proof of non-infringement). */
function labelOf(locale: Locale, basis: string, key: string): string {
  const own = `counterNotice.field.${basis}.${key}`;
  const text = translate(locale, own);
  return text === own ? translate(locale, `counterNotice.field.${key}`) : text;
}
