import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiExcludeController, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ConflictError, ValidationError } from '../common/domain-error';
import { CurrentUser, Roles } from './auth.decorators';
import type { StaffPrincipal } from './auth.decorators';
import type { MailLocale } from '../mail/mail-helpers';
import { StaffInvitationsService } from './staff-invitations.service';
import { STAFF_ROLES, StaffActor, StaffUserRow, StaffUsersService } from './staff-users.service';

const actorOf = (user: StaffPrincipal): StaffActor => ({ actorType: 'admin', actorId: user.id });
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const DONE = new Set(['disabled', 'enabled', 'role', 'token_revoked', 'invited']);
const mailLocale = (v: unknown): MailLocale => (v === 'en' ? 'en' : 'zh-CN');
/** A resend's language when the caller names one, else null: the account's own. */
const givenLocale = (v: unknown): MailLocale | null => (v === 'en' || v === 'zh-CN' ? v : null);
/**
 * The API's `locale`: absent is null; anything but 'zh-CN' or 'en' is refused (422) rather than
 * quietly becoming Chinese, since it is the person's language for all their mail from then on.
 */
const apiLocale = (v: unknown): MailLocale | null => {
  if (v === undefined || v === null) return null;
  const locale = givenLocale(v);
  if (!locale) throw new ValidationError([{ field: 'locale', rule: 'oneOf', message: "'zh-CN' or 'en'" }]);
  return locale;
};

interface InviteForm {
  email: string;
  displayName: string;
  role: string;
  /** The invitee's language: their invitation mail, and every mail the desk sends them afterwards. */
  locale: MailLocale;
}

/**
 * The admin's staff page. GET /staff/users renders templates/views/staff/users.hbs with:
 *   title, currentPath, csrfToken (res.locals), staff (res.locals: the signed-in admin)
 *   users     [{ id, email, displayName, role, status, lastLoginAt, locked, hasToken, isSelf, roleOptions: [{ value, selected }] }]
 *   invite    { email, displayName, role, locale, roleOptions, localeOptions } (kept on an error)
 *   errors    [{ field, rule }] of the invite form; hasErrors
 *   invited   { email, expiresAt } after an invitation was mailed, else null
 *   done      'disabled' | 'enabled' | 'role' | 'token_revoked' | 'invited' | null
 * An admin never sees a password or a token of anyone: invitations are mailed to their owner
 * (StaffInvitationsService), tokens are made by their owner on /staff/account; admins may revoke them.
 */
@ApiExcludeController()
@Roles('admin')
@Controller('staff/users')
export class StaffUsersController {
  constructor(
    private readonly users: StaffUsersService,
    private readonly invitations: StaffInvitationsService,
  ) {}

  @Get()
  async page(@Query('done') done: unknown, @CurrentUser() user: StaffPrincipal, @Res() res: Response): Promise<void> {
    await this.render(res, 200, user, { done: DONE.has(str(done)) ? str(done) : null });
  }

  @Post()
  async invite(
    @Body() body: Record<string, unknown> | undefined,
    @CurrentUser() user: StaffPrincipal,
    @Res() res: Response,
  ): Promise<void> {
    const form: InviteForm = {
      email: str(body?.email).trim(),
      displayName: str(body?.displayName).trim(),
      role: str(body?.role),
      // Chosen on the form; the admin's page language when the form does not say.
      locale: givenLocale(body?.locale) ?? mailLocale(res.locals.locale),
    };
    try {
      const { user: created, expiresAt } = await this.invitations.invite(form, user, form.locale);
      await this.render(res, 201, user, { invited: { email: created.email, expiresAt } });
    } catch (err) {
      if (err instanceof ValidationError)
        return this.render(res, 422, user, { form, errors: err.fields.map((f) => ({ field: f.field, rule: f.rule })) });
      if (err instanceof ConflictError)
        return this.render(res, 409, user, { form, errors: [{ field: 'email', rule: 'taken' }] });
      throw err;
    }
  }

  @Post(':id/disable')
  async disable(@Param('id') id: string, @CurrentUser() user: StaffPrincipal, @Res() res: Response): Promise<void> {
    await this.users.disable(id, actorOf(user));
    res.redirect(303, '/staff/users?done=disabled');
  }

  @Post(':id/enable')
  async enable(@Param('id') id: string, @CurrentUser() user: StaffPrincipal, @Res() res: Response): Promise<void> {
    await this.users.enable(id, actorOf(user));
    res.redirect(303, '/staff/users?done=enabled');
  }

  @Post(':id/role')
  async role(
    @Param('id') id: string,
    @Body() body: Record<string, unknown> | undefined,
    @CurrentUser() user: StaffPrincipal,
    @Res() res: Response,
  ): Promise<void> {
    await this.users.changeRole(id, str(body?.role), actorOf(user));
    res.redirect(303, '/staff/users?done=role');
  }

  /** Revokes someone's API token. There is no way to obtain one for them: they make their own on /staff/account. */
  @Post(':id/token/revoke')
  async revokeToken(@Param('id') id: string, @CurrentUser() user: StaffPrincipal, @Res() res: Response): Promise<void> {
    await this.users.revokeToken(id, actorOf(user));
    res.redirect(303, '/staff/users?done=token_revoked');
  }

  /**
   * Mails a new invitation link to an account still waiting for its owner (earlier links stop
   * working), in the language the account was invited in: the admin's page language is theirs.
   */
  @Post(':id/invitation')
  async resendInvitation(
    @Param('id') id: string,
    @CurrentUser() user: StaffPrincipal,
    @Res() res: Response,
  ): Promise<void> {
    await this.invitations.resend(id, user, null);
    res.redirect(303, '/staff/users?done=invited');
  }

  private async render(
    res: Response,
    status: number,
    me: StaffPrincipal,
    v: {
      form?: InviteForm;
      errors?: Array<{ field: string; rule: string }>;
      invited?: { email: string; expiresAt: Date };
      done?: string | null;
    },
  ): Promise<void> {
    const list = await this.users.list();
    const now = Date.now();
    const form = v.form ?? { email: '', displayName: '', role: 'moderator', locale: mailLocale(res.locals.locale) };
    res.setHeader('Cache-Control', 'no-store');
    res.status(status).render('staff/users', {
      title: res.locals.locale === 'en' ? 'Staff accounts' : '工作人员账户',
      currentPath: '/staff/users',
      users: list.map((u: StaffUserRow) => ({
        ...u,
        locked: Boolean(u.lockedUntil && new Date(u.lockedUntil).getTime() > now),
        isSelf: u.id === me.id,
        isDisabled: u.status === 'disabled',
        roleOptions: STAFF_ROLES.map((r) => ({ value: r, selected: r === u.role })),
      })),
      invite: {
        ...form,
        roleOptions: STAFF_ROLES.map((r) => ({ value: r, selected: r === form.role })),
        localeOptions: (['zh-CN', 'en'] as const).map((l) => ({ value: l, selected: l === form.locale })),
      },
      errors: v.errors ?? [],
      hasErrors: Boolean(v.errors?.length),
      invited: v.invited ?? null,
      done: v.done ?? null,
    });
  }
}

/** The same actions as JSON, for scripts (admin only; personal API token or session + x-csrf-token). */
@ApiTags('staff')
@Roles('admin')
@Controller('api/v1/staff/users')
export class StaffUsersApiController {
  constructor(
    private readonly users: StaffUsersService,
    private readonly invitations: StaffInvitationsService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Staff accounts (admin)' })
  async list(): Promise<{ items: StaffUserRow[] }> {
    return { items: await this.users.list() };
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary:
      "Invite a colleague: { email, displayName?, role, locale?: 'zh-CN' | 'en' } (the account's language for all its mail, default zh-CN). The account waits ('invited') until its owner chooses a password through the single-use link mailed to them (72 h); no password is returned (admin)",
  })
  async invite(
    @Body() body: Record<string, unknown> | undefined,
    @CurrentUser() user: StaffPrincipal,
  ): Promise<{ user: StaffUserRow; invitation: { expiresAt: Date } }> {
    const { user: created, expiresAt } = await this.invitations.invite(
      { email: str(body?.email), displayName: str(body?.displayName), role: str(body?.role) },
      user,
      apiLocale(body?.locale) ?? 'zh-CN',
    );
    return { user: created, invitation: { expiresAt } };
  }

  @Post(':id/invitation')
  @HttpCode(201)
  @ApiOperation({
    summary:
      "Mail a new invitation link to an 'invited' account; earlier links stop working. { locale?: 'zh-CN' | 'en' } replaces the account's language, else the mail is in it (admin)",
  })
  async resendInvitation(
    @Param('id') id: string,
    @Body() body: Record<string, unknown> | undefined,
    @CurrentUser() user: StaffPrincipal,
  ): Promise<{ invitation: { expiresAt: Date } }> {
    return { invitation: await this.invitations.resend(id, user, apiLocale(body?.locale)) };
  }

  @Post(':id/disable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Disable an account and end its sessions at once (admin)' })
  async disable(@Param('id') id: string, @CurrentUser() user: StaffPrincipal): Promise<{ ok: true }> {
    await this.users.disable(id, actorOf(user));
    return { ok: true };
  }

  @Post(':id/enable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Re-enable a disabled account (admin)' })
  async enable(@Param('id') id: string, @CurrentUser() user: StaffPrincipal): Promise<{ ok: true }> {
    await this.users.enable(id, actorOf(user));
    return { ok: true };
  }

  @Post(':id/role')
  @HttpCode(200)
  @ApiOperation({ summary: "Change an account's role: { role: 'moderator' | 'admin' } (admin)" })
  async role(
    @Param('id') id: string,
    @Body() body: Record<string, unknown> | undefined,
    @CurrentUser() user: StaffPrincipal,
  ): Promise<{ ok: true }> {
    await this.users.changeRole(id, str(body?.role), actorOf(user));
    return { ok: true };
  }

  @Delete(':id/token')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Revoke an account's personal API token (admin). Tokens are only ever made by their owner (POST /api/v1/session/token)",
  })
  async revokeToken(@Param('id') id: string, @CurrentUser() user: StaffPrincipal): Promise<{ revoked: boolean }> {
    return { revoked: await this.users.revokeToken(id, actorOf(user)) };
  }
}
