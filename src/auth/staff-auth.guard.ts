import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { DomainError, ErrorCode } from '../common/domain-error';
import { IS_PUBLIC, ROLES } from './auth.decorators';
import type { StaffPrincipal, StaffRequest } from './auth.decorators';
import { isUnsafeMethod, StaffSessions } from './staff-sessions';
import type { StaffRole } from './staff-user.entity';
import { StaffUsersService } from './staff-users.service';

/**
 * The global guard (APP_GUARD): deny by default. A route needs @Public() to be open; otherwise
 * a signed-in staff member (session cookie, or `Authorization: Bearer nd_…`), and with @Roles(...)
 * one of those roles. Session callers must send the CSRF token on POST/PUT/PATCH/DELETE; token
 * callers need none (a browser never adds the header by itself).
 *
 * Not signed in: 401 UNAUTHENTICATED under /api/, else a 303 to /staff/login?next=<path> (no
 * `next` after a form post).
 * Wrong role: 403 FORBIDDEN. Missing or bad CSRF token: 403 CSRF.
 */
@Injectable()
export class StaffAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly users: StaffUsersService,
    private readonly sessions: StaffSessions,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const targets = [ctx.getHandler(), ctx.getClass()];
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets) === true;
    const req = ctx.switchToHttp().getRequest<StaffRequest>();
    const res = ctx.switchToHttp().getResponse<Response>();

    const principal = await this.authenticate(req, isPublic);
    if (principal) {
      req.staff = principal;
      res.locals.staff = principal;
      if (principal.via === 'session' && !req.path.startsWith('/api/'))
        res.locals.csrfToken = this.sessions.sessionToken(req, res);
    }
    if (isPublic) return true;

    if (!principal) {
      if (req.path.startsWith('/api/'))
        throw new DomainError(ErrorCode.UNAUTHENTICATED, 'Sign in, or send a personal API token');
      // Back to the page after signing in; a form post cannot be replayed, so it only goes to the form.
      const next = ['GET', 'HEAD'].includes(req.method) ? `?next=${encodeURIComponent(req.originalUrl)}` : '';
      res.setHeader('Cache-Control', 'no-store');
      res.redirect(303, `/staff/login${next}`);
      return false;
    }
    const roles = this.reflector.getAllAndOverride<StaffRole[] | undefined>(ROLES, targets);
    if (roles?.length && !roles.includes(principal.role)) {
      throw new DomainError(ErrorCode.FORBIDDEN, 'Your role may not do this');
    }
    if (principal.via === 'session' && isUnsafeMethod(req.method) && !this.sessions.sessionTokenValid(req)) {
      throw new DomainError(ErrorCode.CSRF, 'Missing or invalid CSRF token');
    }
    return true;
  }

  /** Bearer token first (an invalid one is never silently ignored on a staff route), then the session. */
  private async authenticate(req: StaffRequest, isPublic: boolean): Promise<StaffPrincipal | null> {
    const header = req.headers.authorization;
    if (typeof header === 'string' && /^bearer\s/i.test(header)) {
      const principal = await this.users.principalByToken(header.slice(7).trim());
      if (!principal && !isPublic) throw new DomainError(ErrorCode.UNAUTHENTICATED, 'Invalid or revoked API token');
      return principal;
    }
    const userId = req.session?.userId;
    if (!userId) return null;
    return this.users.principalById(userId, 'session');
  }
}
