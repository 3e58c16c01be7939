import { Body, Controller, Get, Inject, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { RateLimitService } from '../common/rate-limit.service';
import { RateLimitedError } from '../common/domain-error';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { CurrentUser, Public } from './auth.decorators';
import type { StaffPrincipal, StaffRequest } from './auth.decorators';
import { StaffSessions } from './staff-sessions';
import { SignInFailed, StaffUsersService } from './staff-users.service';

const HOME = '/staff/queue';

/** Only a path on this site ("/x", never "//host" or "/\host"), else the staff home. */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || next.length > 2000 || !/^\/(?![/\\])/.test(next)) return HOME;
  if (next.includes('\\') || [...next].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return HOME;
  return next;
}

type LoginError = 'credentials' | 'csrf' | 'rate';

/**
 * Sign-in and sign-out. GET/POST /staff/login render templates/views/staff/login.hbs with:
 *   title, currentPath, csrfToken (the sign-in form's own token), next, email, error ('credentials' | 'csrf' | 'rate' | null)
 */
@ApiTags('session')
@Controller()
export class StaffAuthController {
  constructor(
    private readonly users: StaffUsersService,
    private readonly sessions: StaffSessions,
    private readonly limits: RateLimitService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Public()
  @Get('staff/login')
  @ApiExcludeEndpoint()
  loginPage(@Query('next') next: unknown, @Req() req: StaffRequest, @Res() res: Response): void {
    if (req.staff?.via === 'session') return res.redirect(303, safeNext(next));
    this.render(req, res, 200, { next: safeNext(next), email: '', error: null });
  }

  @Public()
  @Post('staff/login')
  @ApiExcludeEndpoint()
  async login(
    @Body() body: Record<string, unknown> | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const next = safeNext(body?.next);
    const email = typeof body?.email === 'string' ? body.email.trim().slice(0, 254) : '';
    const password = typeof body?.password === 'string' ? body.password : '';
    if (!this.sessions.loginTokenValid(req)) return this.render(req, res, 403, { next, email, error: 'csrf' });
    try {
      await this.limits.consume('login', req.ip ?? 'unknown', this.config.loginRateLimit);
    } catch (err) {
      if (!(err instanceof RateLimitedError)) throw err;
      res.setHeader('Retry-After', String(err.retryAfterSeconds));
      return this.render(req, res, 429, { next, email, error: 'rate' });
    }
    let principal: StaffPrincipal;
    try {
      principal = await this.users.signIn(email, password, req.ip);
    } catch (err) {
      if (!(err instanceof SignInFailed)) throw err;
      return this.render(req, res, 401, { next, email, error: 'credentials' });
    }
    await this.sessions.signIn(req, principal.id);
    res.redirect(303, next);
  }

  /** Any signed-in staff member; session callers send the CSRF token (the nav's sign-out form does). */
  @Post('staff/logout')
  @ApiExcludeEndpoint()
  async logout(@CurrentUser() user: StaffPrincipal, @Req() req: Request, @Res() res: Response): Promise<void> {
    if (user.via === 'session') {
      await this.users.recordLogout(user);
      await this.sessions.signOut(req, res);
    }
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(303, '/staff/login');
  }

  /** For API clients that use the session cookie: who is signed in, and the CSRF token to send as x-csrf-token. */
  @Get('api/v1/session')
  @ApiOperation({ summary: 'The signed-in staff member and, for a session, the CSRF token for x-csrf-token' })
  @ApiOkResponse({ description: '{ user: { id, email, displayName, role, locale, via }, csrfToken: string | null }' })
  session(
    @CurrentUser() user: StaffPrincipal,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): { user: StaffPrincipal; csrfToken: string | null } {
    res.setHeader('Cache-Control', 'no-store');
    return { user, csrfToken: user.via === 'session' ? this.sessions.sessionToken(req, res) : null };
  }

  private render(
    req: Request,
    res: Response,
    status: number,
    v: { next: string; email: string; error: LoginError | null },
  ): void {
    res.setHeader('Cache-Control', 'no-store');
    res.status(status).render('staff/login', {
      title: res.locals.locale === 'en' ? 'Staff sign-in' : '工作人员登录',
      currentPath: '/staff/login',
      csrfToken: this.sessions.loginToken(req, res),
      next: v.next,
      email: v.email,
      error: v.error,
    });
  }
}
