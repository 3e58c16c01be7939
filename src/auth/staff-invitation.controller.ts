import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ValidationError } from '../common/domain-error';
import { Public } from './auth.decorators';
import { StaffSessions } from './staff-sessions';
import { InvitationInvalid, InvitationView, StaffInvitationsService } from './staff-invitations.service';
import { MIN_PASSWORD_LENGTH } from './staff-users.service';

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

type PageState = 'form' | 'invalid' | 'done';

/**
 * The page an invitation link opens: its owner chooses a password (twice). Public (the person has
 * no account yet); the form carries the sign-in form's own CSRF token (bound to a pre-login
 * cookie). Opening the page never uses the link up; a successful POST does, once.
 *
 * GET/POST /staff/invitation/:token render templates/views/staff/invitation.hbs with:
 *   title, currentPath (this page's own path, so the language switch keeps the link), csrfToken
 *   state      'form' | 'invalid' (unknown, used, expired, replaced: 410) | 'done' (password set)
 *   invitation { email, displayName, role, expiresAt } while the form shows
 *   errors     [{ field: 'password' | 'confirm' | '_csrf', rule }]; hasErrors
 *   minLength  MIN_PASSWORD_LENGTH
 */
@ApiExcludeController()
@Public()
@Controller('staff/invitation')
export class StaffInvitationController {
  constructor(
    private readonly invitations: StaffInvitationsService,
    private readonly sessions: StaffSessions,
  ) {}

  @Get(':token')
  async page(@Param('token') token: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const invitation = await this.invitations.find(token);
    if (!invitation) return this.render(req, res, 410, 'invalid');
    this.render(req, res, 200, 'form', invitation);
  }

  @Post(':token')
  async accept(
    @Param('token') token: string,
    @Body() body: Record<string, unknown> | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const invitation = await this.invitations.find(token);
    if (!invitation) return this.render(req, res, 410, 'invalid');
    if (!this.sessions.loginTokenValid(req))
      return this.render(req, res, 403, 'form', invitation, [{ field: '_csrf', rule: 'csrf' }]);
    const password = str(body?.password);
    if (password !== str(body?.confirm))
      return this.render(req, res, 422, 'form', invitation, [{ field: 'confirm', rule: 'mismatch' }]);
    try {
      await this.invitations.accept(token, password);
    } catch (err) {
      if (err instanceof ValidationError)
        return this.render(
          req,
          res,
          422,
          'form',
          invitation,
          err.fields.map((f) => ({ field: f.field, rule: f.rule })),
        );
      if (err instanceof InvitationInvalid) return this.render(req, res, 410, 'invalid');
      throw err;
    }
    this.render(req, res, 200, 'done', { ...invitation });
  }

  private render(
    req: Request,
    res: Response,
    status: number,
    state: PageState,
    invitation?: InvitationView,
    errors: Array<{ field: string; rule: string }> = [],
  ): void {
    res.setHeader('Cache-Control', 'no-store');
    // The token is in this page's URL: never let it leave in a Referer.
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.status(status).render('staff/invitation', {
      title: res.locals.locale === 'en' ? 'Choose your password' : '设置您的密码',
      currentPath: req.path,
      csrfToken: state === 'form' ? this.sessions.loginToken(req, res) : null,
      state,
      invitation: invitation ?? null,
      errors,
      hasErrors: errors.length > 0,
      minLength: MIN_PASSWORD_LENGTH,
    });
  }
}
