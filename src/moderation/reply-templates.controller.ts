import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiExcludeController, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser, Roles } from '../auth/auth.decorators';
import type { StaffPrincipal } from '../auth/auth.decorators';
import { DomainError, ErrorCode, ValidationError } from '../common/domain-error';
import { translate } from '../common/i18n';
import { isLocale, LEGAL_BASES, LOCALES } from '../complaints/legal-basis';
import type { Locale } from '../complaints/legal-basis';
import { ReplyTemplatesService } from './reply-templates.service';
import type { ReplyTemplateView } from './reply-templates.service';

const first = (v: unknown): string =>
  typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '';
const DONE = ['created', 'updated', 'deleted'];

interface Typed {
  /** 'new' for the create form, else the id of the template being edited. */
  target: string;
  name: string;
  legalBasis: string;
  locale: string;
  body: string;
}

function requireAdmin(user: StaffPrincipal): void {
  if (user?.role !== 'admin') throw new DomainError(ErrorCode.FORBIDDEN, 'Only an admin changes reply templates');
}

/**
 * GET /staff/reply-templates renders templates/views/staff/reply-templates.hbs: the list for
 * everyone on staff, with create / edit / delete forms for admins. Changes post back here and
 * redirect (303) to the list with ?done=created|updated|deleted; a 422 re-renders with the typed values.
 */
@ApiExcludeController()
@Roles('moderator', 'admin')
@Controller('staff/reply-templates')
export class ReplyTemplatesController {
  constructor(private readonly replies: ReplyTemplatesService) {}

  @Get()
  async page(@Query('done') done: unknown, @CurrentUser() user: StaffPrincipal, @Res() res: Response): Promise<void> {
    const d = first(done);
    await this.render(res, 200, user, { done: DONE.includes(d) ? d : null });
  }

  @Post()
  @Roles('admin')
  async create(@Body() body: unknown, @CurrentUser() user: StaffPrincipal, @Res() res: Response): Promise<void> {
    requireAdmin(user);
    await this.save(res, user, 'new', body, (input) => this.replies.create(input, user).then(() => 'created'));
  }

  @Post(':id')
  @Roles('admin')
  async update(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentUser() user: StaffPrincipal,
    @Res() res: Response,
  ): Promise<void> {
    requireAdmin(user);
    await this.save(res, user, id, body, (input) => this.replies.update(id, input, user).then(() => 'updated'));
  }

  @Post(':id/delete')
  @Roles('admin')
  async remove(@Param('id') id: string, @CurrentUser() user: StaffPrincipal, @Res() res: Response): Promise<void> {
    requireAdmin(user);
    await this.replies.remove(id, user);
    res.redirect(303, '/staff/reply-templates?done=deleted');
  }

  private async save(
    res: Response,
    user: StaffPrincipal,
    target: string,
    body: unknown,
    op: (input: ReturnType<ReplyTemplatesService['parse']>) => Promise<string>,
  ): Promise<void> {
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const typed: Typed = {
      target,
      name: first(b.name),
      legalBasis: first(b.legalBasis),
      locale: first(b.locale),
      body: first(b.body),
    };
    try {
      const done = await op(this.replies.parse(b));
      res.redirect(303, `/staff/reply-templates?done=${done}`);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      await this.render(res, 422, user, { typed, errors: err.fields.map((f) => f.field) });
    }
  }

  private async render(
    res: Response,
    status: number,
    user: StaffPrincipal,
    opts: { done?: string | null; typed?: Typed; errors?: string[] },
  ): Promise<void> {
    const locale: Locale = isLocale(res.locals.locale) ? res.locals.locale : 'zh-CN';
    const list = await this.replies.list();
    const typed = opts.typed;
    const formFor = (target: string, t?: ReplyTemplateView) => {
      const mine = typed?.target === target;
      const v = mine
        ? typed
        : { name: t?.name ?? '', legalBasis: t?.legalBasis ?? '', locale: t?.locale ?? locale, body: t?.body ?? '' };
      const errs = mine ? (opts.errors ?? []) : [];
      return {
        target,
        action: target === 'new' ? '/staff/reply-templates' : `/staff/reply-templates/${target}`,
        name: v.name,
        body: v.body,
        open: mine,
        basisOptions: LEGAL_BASES.map((b) => ({ value: b, selected: v.legalBasis === b })),
        localeOptions: LOCALES.map((l) => ({ value: l, selected: v.locale === l })),
        errors: errs,
        nameError: errs.includes('name'),
        bodyError: errs.includes('body'),
        localeError: errs.includes('locale'),
        basisError: errs.includes('legalBasis'),
      };
    };
    res.setHeader('Cache-Control', 'no-store');
    res.status(status).render('staff/reply-templates', {
      title: translate(locale, 'replies.title'),
      staff: user,
      isAdmin: user?.role === 'admin',
      done: opts.done ?? null,
      hasErrors: Boolean(opts.errors?.length),
      errorFields: opts.errors ?? [],
      templates: list.map((t) => ({ ...t, form: formFor(t.id, t) })),
      createForm: formFor('new'),
    });
  }
}

/** GET /api/v1/reply-templates?legalBasis=&locale=: the texts offered for a case (its basis plus the general ones). */
@ApiTags('moderation')
@ApiBearerAuth()
@Roles('moderator', 'admin')
@Controller('api/v1/reply-templates')
export class ReplyTemplatesApiController {
  constructor(private readonly replies: ReplyTemplatesService) {}

  @Get()
  @ApiOperation({ summary: 'Reply templates for a legal basis (and the general ones) in a language' })
  @ApiQuery({ name: 'legalBasis', required: false, enum: LEGAL_BASES })
  @ApiQuery({ name: 'locale', required: false, enum: LOCALES })
  async list(
    @Query('legalBasis') legalBasis: unknown,
    @Query('locale') locale: unknown,
  ): Promise<{ items: ReplyTemplateView[] }> {
    const basis = first(legalBasis);
    const loc = first(locale);
    const errors = [];
    if (basis && !(LEGAL_BASES as readonly string[]).includes(basis))
      errors.push({ field: 'legalBasis', rule: 'invalid', message: 'unknown legal basis' });
    if (loc && !isLocale(loc)) errors.push({ field: 'locale', rule: 'invalid', message: 'zh-CN or en' });
    if (errors.length) throw new ValidationError(errors);
    return { items: await this.replies.list({ legalBasis: basis || null, locale: loc || null }) };
  }
}
