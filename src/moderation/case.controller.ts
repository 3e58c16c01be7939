import { Body, Controller, Get, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import type { StaffPrincipal } from '../auth/auth.decorators';
import { ConflictError, DomainError, ErrorCode, NotFoundError, ValidationError } from '../common/domain-error';
import type { FieldError } from '../common/domain-error';
import { translate } from '../common/i18n';
import { validateBody } from '../complaints/complaint-validation';
import { ComplaintsService } from '../complaints/complaints.service';
import { isLocale } from '../complaints/legal-basis';
import type { Locale } from '../complaints/legal-basis';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { MisuseService } from './misuse.service';
import { CaseService } from './case.service';
import type { CaseView } from './case.service';
import { actionForms, EMPTY_FORM, guardsOfAction, isStaffAction, mapTransitionForm } from './case-forms';
import type { TypedForm } from './case-forms';
import { firstString as first } from './edge-needs';
import { TransitionDto } from './dto/transition.dto';
import { ReplyTemplatesService } from './reply-templates.service';

interface PageError {
  status: number;
  /** Translated lines for the banner. */
  lines: string[];
  /** The service's own words, shown small for the technically minded. */
  detail: string | null;
  fields: string[];
}

/**
 * The case page: GET /staff/complaints/:reference renders templates/views/staff/case.hbs with
 * everything needed to decide, and the forms of the transitions open to the viewer (from
 * CaseService.actionsFor). The forms post here; the controller maps form fields to a
 * TransitionInput and calls ComplaintsService.transition, the one place that changes state.
 */
@ApiExcludeController()
@Roles('moderator', 'admin')
@Controller('staff/complaints')
export class CaseController {
  constructor(
    private readonly cases: CaseService,
    private readonly complaints: ComplaintsService,
    private readonly replies: ReplyTemplatesService,
    private readonly misuse: MisuseService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get(':reference')
  async page(
    @Param('reference') reference: string,
    @Query('done') done: unknown,
    @Query('warning') warning: unknown,
    @CurrentUser() user: StaffPrincipal,
    @Res() res: Response,
  ): Promise<void> {
    const view = await this.cases.view(reference, user);
    const doneKind = first(done);
    await this.render(res, 200, view, user, {
      done: isStaffAction(doneKind) || ['note', 'transition', 'warning', 'resend'].includes(doneKind) ? doneKind : null,
      warningError: first(warning) === 'required',
    });
  }

  @Post(':reference/transitions')
  async transition(
    @Param('reference') reference: string,
    @Body() body: unknown,
    @CurrentUser() user: StaffPrincipal,
    @Res() res: Response,
  ): Promise<void> {
    const { raw, form } = mapTransitionForm(body);
    try {
      const dto = await validateBody(TransitionDto, raw);
      await this.complaints.transition({ reference, ...dto }, { role: user.role, id: user.id, name: user.displayName });
    } catch (err) {
      const error = this.pageError(err, res, form);
      const view = await this.cases.view(reference, user);
      return this.render(res, error.status, view, user, { form, error });
    }
    res.redirect(303, `/staff/complaints/${encodeURIComponent(reference)}?done=${form.kind ?? 'transition'}`);
  }

  @Post(':reference/notes')
  async note(
    @Param('reference') reference: string,
    @Body() body: unknown,
    @CurrentUser() user: StaffPrincipal,
    @Res() res: Response,
  ): Promise<void> {
    const text = first((body as Record<string, unknown> | undefined)?.body).trim();
    if (!text || text.length > 10000) {
      const view = await this.cases.view(reference, user);
      const locale = localeOf(res);
      const error: PageError = {
        status: 422,
        lines: [translate(locale, text ? 'case.error.noteTooLong' : 'case.error.note')],
        detail: null,
        fields: ['note'],
      };
      return this.render(res, 422, view, user, { form: { ...EMPTY_FORM, kind: 'note', note: text }, error });
    }
    await this.cases.addNote(reference, user, text);
    res.redirect(303, `/staff/complaints/${encodeURIComponent(reference)}?done=note#notes`);
  }

  /** Sends one of the case's messages to a party again (CaseService.resendMail). */
  @Post(':reference/mail/:jobId/resend')
  async resendMail(
    @Param('reference') reference: string,
    @Param('jobId') jobId: string,
    @CurrentUser() user: StaffPrincipal,
    @Res() res: Response,
  ): Promise<void> {
    try {
      await this.cases.resendMail(reference, jobId, user);
    } catch (err) {
      if (!(err instanceof DomainError && err.code === ErrorCode.CONFLICT)) throw err;
      const view = await this.cases.view(reference, user);
      const error: PageError = {
        status: 409,
        lines: [translate(localeOf(res), 'case.error.resend')],
        detail: null,
        fields: [],
      };
      return this.render(res, 409, view, user, { error });
    }
    res.redirect(303, `/staff/complaints/${encodeURIComponent(reference)}?done=resend#sec-mail`);
  }

  @Get(':reference/files/:id')
  async file(@Param('reference') reference: string, @Param('id') id: string, @Res() res: Response): Promise<void> {
    const f = await this.cases.file(reference, id);
    const root = resolve(this.config.uploadDir);
    const path = resolve(join(root, f.storageKey));
    if (!path.startsWith(root + sep)) throw new NotFoundError('No such file');
    const size = await stat(path).then(
      (s) => s.size,
      () => {
        throw new NotFoundError('The stored file is missing');
      },
    );
    res.setHeader('Content-Type', f.contentType);
    res.setHeader('Content-Length', String(size));
    res.setHeader('Content-Disposition', contentDisposition(f.originalName));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'private, no-store');
    await new Promise<void>((done, fail) => {
      const stream = createReadStream(path);
      stream.on('error', fail);
      res.on('finish', () => done());
      res.on('close', () => done());
      stream.pipe(res);
    });
  }

  /** Turns what the service threw into a status and translated lines; anything else propagates (404, 500). */
  private pageError(err: unknown, res: Response, form: TypedForm): PageError {
    const locale = localeOf(res);
    if (err instanceof ValidationError) {
      return {
        status: 422,
        lines: firstPerBase(err.fields).map((f) => fieldLine(locale, f)),
        detail: null,
        fields: err.fields.map((f) => f.field.split('.')[0]),
      };
    }
    if (err instanceof ConflictError || (err instanceof DomainError && err.code === ErrorCode.ILLEGAL_TRANSITION)) {
      const key = err.code === ErrorCode.CONFLICT ? 'case.error.conflict' : 'case.error.illegal';
      return { status: 409, lines: [translate(locale, key)], detail: err.message, fields: [] };
    }
    if (err instanceof DomainError && err.code === ErrorCode.WIDER_THAN_PROPOSED) {
      const items = Array.isArray(err.details) ? (err.details as FieldError[]) : [];
      return {
        status: 422,
        lines: items.map((f) =>
          translate(locale, 'case.error.widerThanProposed', { n: Number(f.field.split('.')[1]) + 1 }),
        ),
        detail: err.message,
        fields: ['remedies'],
      };
    }
    if (
      err instanceof DomainError &&
      (err.code === ErrorCode.SECOND_PERSON_REQUIRED ||
        err.code === ErrorCode.PROCEDURE_NOT_AVAILABLE ||
        err.code === ErrorCode.NO_PRIOR_WARNING)
    ) {
      const key =
        err.code === ErrorCode.SECOND_PERSON_REQUIRED
          ? 'case.error.secondPerson'
          : err.code === ErrorCode.NO_PRIOR_WARNING
            ? 'case.error.noPriorWarning'
            : 'case.error.notAvailable';
      return { status: 403, lines: [translate(locale, key)], detail: err.message, fields: [] };
    }
    if (err instanceof DomainError && err.code === ErrorCode.FORBIDDEN) {
      const chosen = (form.values.remedies ?? []) as Array<{ remedy: string } | undefined>;
      const wholeArticle =
        guardsOfAction(form.kind).has('no_whole_article') && chosen.some((r) => r?.remedy === 'remove_article');
      return {
        status: 403,
        lines: [translate(locale, wholeArticle ? 'case.error.needsEscalation' : 'case.error.forbidden')],
        detail: err.message,
        fields: [],
      };
    }
    throw err;
  }

  private async render(
    res: Response,
    status: number,
    view: CaseView,
    user: StaffPrincipal,
    opts: { form?: TypedForm; error?: PageError; done?: string | null; warningError?: boolean },
  ): Promise<void> {
    const locale = localeOf(res);
    const form = opts.form ?? EMPTY_FORM;
    const templates = await this.replies.list({ legalBasis: view.legalBasis, locale: view.locale });
    const renotice = view.renoticeBarredBy
      ? {
          earlier: view.renoticeBarredBy,
          reason: translate(view.locale === 'en' ? 'en' : 'zh-CN', 'case.renotice.reason', {
            ref: view.renoticeBarredBy,
          }),
        }
      : null;
    const forms = actionForms(view.actions, {
      form,
      errorFields: opts.error?.fields ?? [],
      locale,
      items: view.items,
      // A filing barred by 条例 Art. 17 comes with its rejection reasons prefilled (in the complainant's language).
      prefill: renotice ? { reject: { reason: renotice.reason } } : undefined,
    });
    const doneKey = opts.done ? `case.done.${opts.done}` : null;
    const doneText = doneKey ? translate(locale, doneKey) : null;
    const snapshotFor = (articleId: string) => view.snapshots.find((s) => s.articleId === articleId);
    const files = view.files.map((f) => ({ ...f, size: formatSize(f.sizeBytes), shaShort: f.sha256.slice(0, 12) }));
    res.setHeader('Cache-Control', 'no-store');
    res.status(status).render('staff/case', {
      title: `${view.reference} · ${translate(locale, 'case.title')}`,
      staff: user,
      c: view,
      renotice,
      error: opts.error ?? null,
      errorFields: opts.error?.fields ?? [],
      done: opts.done ?? null,
      doneText: doneText === doneKey ? translate(locale, 'case.done.transition') : doneText,
      form,
      actionForms: forms,
      // The evidence bundle (src/bundle/): admins only, as its routes.
      canExport: user.role === 'admin',
      misuse: {
        warnings: await this.misuse.warningsFor(view.reference),
        canWarn: user.role === 'admin',
        error: opts.warningError === true,
      },
      replyTemplates: templates.map((t) => ({ id: t.id, name: t.name, body: t.body })),
      complainant: complainantRows(view.complainant),
      declarations: {
        truthful: view.declarations.truthful === true,
        goodFaith: view.declarations.goodFaith === true,
        perjury: view.declarations.perjury === true,
        signature: typeof view.declarations.signature === 'string' ? view.declarations.signature : null,
      },
      items: view.items.map((i) => ({
        ...i,
        number: i.position + 1,
        thumbUrl: i.imageId ? `/media/images/${i.imageId}` : null,
        imageRemoved: i.imageStatus === 'removed',
        articlePath: `/articles/${encodeURIComponent(i.articleSlug)}`,
        snapshotChanged: snapshotFor(i.articleId)?.changed ?? false,
      })),
      files,
      snapshots: view.snapshots.map((s) => ({
        ...s,
        shaShort: s.sha256.slice(0, 16),
        titleChanged: s.title !== s.live.title,
        bodyChanged: s.body !== s.live.body,
        imageRows: s.images.map((img) => {
          const live = s.live.images.find((l) => l.id === img.id);
          return {
            ...img,
            shaShort: img.sha256.slice(0, 12),
            liveStatus: live?.status ?? 'missing',
            changed: !live || live.status !== img.status || live.sha256 !== img.sha256,
          };
        }),
      })),
      proposedRemedies: (view.proposedRemedies ?? []).map((r) => {
        const item = view.items.find((i) => i.position === r.item);
        return { ...r, number: r.item + 1, kind: item?.kind ?? 'article', articleTitle: item?.articleTitle ?? '' };
      }),
      timeline: [...view.timeline].reverse().map((e) => timelineRow(locale, e)),
      mail: view.mail,
      responses: view.responses.map((r) => ({
        ...r,
        files: r.fileIds.map((id) => files.find((f) => f.id === id)).filter(Boolean),
      })),
      notes: view.notes,
      noteText: form.kind === 'note' ? form.note : '',
    });
  }
}

function complainantRows(c: Record<string, string>): Array<{ key: string; labelKey: string; value: string }> {
  const order = ['name', 'email', 'phone', 'address', 'organisation', 'actingFor', 'realIdentity'];
  const keys = [...order.filter((k) => c[k]), ...Object.keys(c).filter((k) => !order.includes(k) && c[k])];
  return keys.map((key) => ({ key, labelKey: `field.complainant.${key}`, value: String(c[key]) }));
}

function timelineRow(locale: Locale, e: CaseView['timeline'][number]) {
  const key = `case.event.${e.action}`;
  const label = translate(locale, key);
  const p = e.payload ?? {};
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  const stateLabel = (s: unknown) => (typeof s === 'string' ? translate(locale, `state.${s}.label`) : null);
  return {
    id: e.id,
    at: e.at,
    action: e.action,
    label: label === key ? e.action : label,
    actor: e.actorName ?? translate(locale, `case.actor.${e.actorType}`),
    from: e.action === 'complaint.transition' ? stateLabel(p.from) : null,
    to: e.action === 'complaint.transition' ? stateLabel(p.to) : null,
    mailTo: e.action.startsWith('mail.') ? str(p.to) : null,
    error: str(p.error),
    reason: str(p.reason),
    duplicateOf: str(p.duplicateOf),
    missing: Array.isArray(p.missing) ? (p.missing as unknown[]).map(String) : [],
    template: str(p.template),
    // An email filed on the case (src/inbox/): a link to the message in the staff inbox.
    inboxMessageId: e.action === 'complaint.mail_received' ? str(p.inboxMessageId) : null,
    inboxReference: e.action === 'complaint.mail_received' ? str(p.inboxReference) : null,
  };
}

function firstPerBase(fields: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return fields.filter((f) => {
    const k = f.field.startsWith('remedies.') ? f.field.split('.').slice(0, 2).join('.') : f.field.split('.')[0];
    return seen.has(k) ? false : (seen.add(k), true);
  });
}

function fieldLine(locale: Locale, f: FieldError): string {
  const m = /^remedies\.(\d+)/.exec(f.field);
  if (m) return translate(locale, 'case.error.remedy', { n: Number(m[1]) + 1 });
  const base = f.field.split('.')[0];
  const specific = `case.error.${base}.${f.rule}`;
  const specificText = translate(locale, specific);
  if (specificText !== specific) return specificText;
  const key = `case.error.${base}`;
  const text = translate(locale, key);
  return text === key ? `${f.field}: ${f.message}` : text;
}

function formatSize(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** RFC 6266 / 5987: an ASCII fallback and the exact UTF-8 name. */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_') || 'file';
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

function localeOf(res: Response): Locale {
  const l: unknown = res.locals.locale;
  return isLocale(l) ? l : 'zh-CN';
}
