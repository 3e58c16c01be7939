import { Controller, Get, Inject, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { DataSource } from 'typeorm';
import { Public } from '../auth/auth.decorators';
import multer from 'multer';
import { createCsrf } from '../common/csrf';
import {
  DomainError,
  ErrorCode,
  NotFoundError,
  StorageUnavailableError,
  ValidationError,
} from '../common/domain-error';
import { translate } from '../common/i18n';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { hashToken } from '../common/tokens';
import type { Locale } from './legal-basis';
import { AppealService } from './appeal.service';
import { MAX_EVIDENCE_FILES, MAX_FILE_BYTES } from './complaint-validation';
import { partsOf } from './complaints-api.controller';
import { IntakeRateLimitGuard } from './intake-rate-limit.guard';
import { UPLOAD_OPTIONS } from './upload-limits';

const appealUpload = multer(UPLOAD_OPTIONS).fields([{ name: 'evidence', maxCount: MAX_EVIDENCE_FILES }]);

/**
 * The content owner's private link from the notice: what was done to their article and why,
 * and an appeal against the decision (DSA Art. 20) while its window is open.
 */
@ApiExcludeController()
@Public()
@Controller('respond')
export class OwnerResponseController {
  private readonly csrf;

  constructor(
    private readonly db: DataSource,
    private readonly appeals: AppealService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.csrf = createCsrf(config.cookieSecret, config.publicBaseUrl.startsWith('https:'));
  }

  @Get(':token')
  async show(
    @Param('token') token: string,
    @Query('appealed') appealed: string | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.render(token, req, res, 200, { done: appealed === '1' });
  }

  /** The owner appeals the decision on their article: text and optional files, checked like evidence. */
  @Post(':token/appeal')
  @UseGuards(IntakeRateLimitGuard)
  async appeal(@Param('token') token: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const locale = res.locals.locale as Locale;
    const uploadError = await new Promise<unknown>((resolve) => appealUpload(req, res, (err: unknown) => resolve(err)));
    const body = (req.body ?? {}) as Record<string, unknown>;
    const text = typeof body.appeal === 'string' ? body.appeal : '';
    const fail = (status: number, key: string, vars: Record<string, unknown> = {}) =>
      this.render(token, req, res, status, { text, error: translate(locale, key, vars) });
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

  private async render(
    token: string,
    req: Request,
    res: Response,
    status: number,
    appeal: { done?: boolean; text?: string; error?: string },
  ): Promise<void> {
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
    const appealStatus = await this.appeals.status('content_owner', token);
    res.status(status).render('respond', {
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
      appeal: {
        ...appealStatus,
        action: `/respond/${token}/appeal`,
        csrfToken: this.csrf.issue(req, res),
        done: !!appeal.done,
        text: appeal.text ?? '',
        error: appeal.error ?? null,
        maxFiles: MAX_EVIDENCE_FILES,
        maxFileMb: MAX_FILE_BYTES / 1024 / 1024,
      },
    });
  }
}
