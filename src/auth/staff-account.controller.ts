import { Body, Controller, Delete, Get, HttpCode, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ValidationError } from '../common/domain-error';
import { rememberLocale } from '../common/locale.middleware';
import { LOCALES } from '../complaints/legal-basis';
import type { Locale } from '../complaints/legal-basis';
import { CurrentUser } from './auth.decorators';
import type { StaffPrincipal } from './auth.decorators';
import { MIN_PASSWORD_LENGTH, selfActor, StaffUsersService } from './staff-users.service';

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const DONE = new Set(['password', 'token_revoked', 'locale']);

/**
 * A staff member's own account (any role): the language of their mail, their personal API token
 * and their password. Only the
 * owner makes a token (there is no route that makes one for somebody else); it is shown once, in
 * the POST's own response (never in a URL), with Cache-Control: no-store, and only its SHA-256
 * is stored.
 *
 * GET /staff/account renders templates/views/staff/account.hbs with:
 *   title, currentPath, csrfToken and staff (res.locals)
 *   me        { email, displayName, role, hasToken, locale }
 *   locales   [{ value: 'zh-CN' | 'en', selected }] for the language form
 *   token     the new token, shown once, else null
 *   errors    [{ field: 'current' | 'password' | 'confirm' | 'locale', rule }]; hasErrors (password form), localeError
 *   done      'password' | 'token_revoked' | 'locale' | null
 *   minLength MIN_PASSWORD_LENGTH
 */
@ApiTags('session')
@Controller()
export class StaffAccountController {
  constructor(private readonly users: StaffUsersService) {}

  @Get('staff/account')
  @ApiExcludeEndpoint()
  async page(@Query('done') done: unknown, @CurrentUser() me: StaffPrincipal, @Res() res: Response): Promise<void> {
    await this.render(res, 200, me, { done: DONE.has(str(done)) ? str(done) : null });
  }

  @Post('staff/account/token')
  @ApiExcludeEndpoint()
  async newToken(@CurrentUser() me: StaffPrincipal, @Res() res: Response): Promise<void> {
    const token = await this.users.issueToken(me.id, selfActor(me));
    await this.render(res, 200, me, { token });
  }

  @Post('staff/account/token/revoke')
  @ApiExcludeEndpoint()
  async revokeToken(@CurrentUser() me: StaffPrincipal, @Res() res: Response): Promise<void> {
    await this.users.revokeToken(me.id, selfActor(me));
    res.redirect(303, '/staff/account?done=token_revoked');
  }

  /** Changes the caller's own password; their other sessions end. Form: current, password, confirm. */
  @Post('staff/account/password')
  @ApiExcludeEndpoint()
  async password(
    @Body() body: Record<string, unknown> | undefined,
    @CurrentUser() me: StaffPrincipal,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const next = str(body?.password);
    try {
      if (next !== str(body?.confirm))
        throw new ValidationError([{ field: 'confirm', rule: 'mismatch', message: 'The two new passwords differ' }]);
      await this.users.changePassword(me, str(body?.current), next, me.via === 'session' ? req.sessionID : null);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return this.render(res, 422, me, { errors: err.fields.map((f) => ({ field: f.field, rule: f.rule })) });
    }
    res.redirect(303, '/staff/account?done=password');
  }

  /**
   * Saves the language of the caller's mail, and shows the pages in it from now on (the lang
   * cookie, as the header's switch sets it): the confirmation is already in the new language.
   */
  @Post('staff/account/locale')
  @ApiExcludeEndpoint()
  async locale(
    @Body() body: Record<string, unknown> | undefined,
    @CurrentUser() me: StaffPrincipal,
    @Res() res: Response,
  ): Promise<void> {
    let locale: Locale;
    try {
      locale = await this.users.setLocale(me, body?.locale);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return this.render(res, 422, me, { errors: [{ field: 'locale', rule: 'oneOf' }] });
    }
    rememberLocale(res, locale);
    res.redirect(303, '/staff/account?done=locale');
  }

  @Put('api/v1/session/locale')
  @HttpCode(200)
  @ApiOperation({
    summary: "Set the language of your own mail (deadline and integrity digests, case notices): 'zh-CN' or 'en'",
  })
  @ApiBody({ schema: { properties: { locale: { type: 'string', enum: [...LOCALES] } }, required: ['locale'] } })
  async apiLocale(
    @Body() body: Record<string, unknown> | undefined,
    @CurrentUser() me: StaffPrincipal,
  ): Promise<{ locale: Locale }> {
    return { locale: await this.users.setLocale(me, body?.locale) };
  }

  @Post('api/v1/session/token')
  @HttpCode(201)
  @ApiOperation({
    summary:
      'Make (or replace) your own personal API token; returned once, only its SHA-256 is stored. Nobody can make one for someone else',
  })
  async apiNewToken(@CurrentUser() me: StaffPrincipal): Promise<{ token: string }> {
    return { token: await this.users.issueToken(me.id, selfActor(me)) };
  }

  @Delete('api/v1/session/token')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke your own personal API token' })
  async apiRevokeToken(@CurrentUser() me: StaffPrincipal): Promise<{ revoked: boolean }> {
    return { revoked: await this.users.revokeToken(me.id, selfActor(me)) };
  }

  private async render(
    res: Response,
    status: number,
    me: StaffPrincipal,
    v: { token?: string; errors?: Array<{ field: string; rule: string }>; done?: string | null },
  ): Promise<void> {
    const row = await this.users.findById(me.id);
    const locale = row?.locale ?? me.locale;
    const errors = v.errors ?? [];
    res.setHeader('Cache-Control', 'no-store');
    res.status(status).render('staff/account', {
      title: res.locals.locale === 'en' ? 'My account' : '我的账户',
      currentPath: '/staff/account',
      me: { email: me.email, displayName: me.displayName, role: me.role, hasToken: Boolean(row?.hasToken), locale },
      locales: LOCALES.map((value) => ({ value, selected: value === locale })),
      token: v.token ?? null,
      errors: errors.filter((e) => e.field !== 'locale'),
      hasErrors: errors.some((e) => e.field !== 'locale'),
      localeError: errors.some((e) => e.field === 'locale'),
      done: v.done ?? null,
      minLength: MIN_PASSWORD_LENGTH,
    });
  }
}
