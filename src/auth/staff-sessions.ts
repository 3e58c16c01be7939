import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import connectPgSimple from 'connect-pg-simple';
import { doubleCsrf } from 'csrf-csrf';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import { createHmac, randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';

declare module 'express-session' {
  interface SessionData {
    /** The signed-in staff member; staff_session.user_id is generated from it. */
    userId: string;
    /** Epoch ms of the sign-in, for the absolute expiry. */
    createdAt: number;
  }
}

export const SESSION_COOKIE = 'nd_staff';
export const SESSION_CSRF_COOKIE = 'nd_staff_csrf';
export const LOGIN_FORM_COOKIE = 'nd_login';
export const LOGIN_CSRF_COOKIE = 'nd_login_csrf';
/** Where sessions exist at all: everything else (the public site) never loads or sets one. */
export const SESSION_PATHS = ['/staff', '/api/v1', '/mailbox'];

/**
 * The public JSON API under /api/v1 (filing a complaint, tracking and answering by private link,
 * the article catalogue): open to everyone, so no staff session is loaded, refreshed or stored for
 * it, which also keeps a database read and write off the intake path.
 */
const PUBLIC_API = /^\/api\/v1\/(?:complaints\/?$|track\/|articles\/?$)/i;

export function isPublicApiRequest(req: Request): boolean {
  const path = req.originalUrl.split('?', 1)[0];
  if (!PUBLIC_API.test(path)) return false;
  // Under /api/v1/complaints only the filing itself is public; a case's staff routes sit below it.
  return /^\/api\/v1\/complaints/i.test(path) ? req.method === 'POST' : true;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
export const isUnsafeMethod = (method: string): boolean => UNSAFE.has(method.toUpperCase());

function tokenFromRequest(req: Request): string | undefined {
  const header = req.headers['x-csrf-token'];
  if (typeof header === 'string' && header) return header;
  const field = (req.body as Record<string, unknown> | undefined)?._csrf;
  return typeof field === 'string' ? field : undefined;
}

/**
 * Staff sessions: express-session in PostgreSQL (connect-pg-simple, table staff_session from the
 * migration), cookie `nd_staff` (httpOnly, SameSite=Lax, Secure when PUBLIC_BASE_URL is https),
 * idle expiry by a rolling maxAge of SESSION_IDLE_MINUTES, absolute expiry SESSION_ABSOLUTE_HOURS
 * after sign-in. Also the two CSRF checks: one bound to the session id for signed-in staff, one
 * bound to a random pre-login cookie for the sign-in form.
 */
@Injectable()
export class StaffSessions implements OnModuleDestroy {
  readonly secure: boolean;
  private readonly store: InstanceType<ReturnType<typeof connectPgSimple>>;
  private readonly secret: string;
  private readonly sessionCsrf;
  private readonly loginCsrf;

  constructor(
    db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.secure = config.publicBaseUrl.startsWith('https:');
    const root = config.cookieSecret ?? randomBytes(32).toString('hex');
    const derive = (purpose: string) => createHmac('sha256', root).update(purpose).digest('hex');
    this.secret = derive('staff-session');
    const PgStore = connectPgSimple(session);
    this.store = new PgStore({
      pool: (db.driver as unknown as { master: Pool }).master,
      tableName: 'staff_session',
      createTableIfMissing: false,
      pruneSessionInterval: 15 * 60,
      errorLog: (...args: unknown[]) => console.error('[staff_session]', ...args),
    });
    const cookieOptions = { sameSite: 'lax' as const, secure: this.secure, httpOnly: true, path: '/' };
    const sessionCsrfSecret = derive('staff-csrf');
    this.sessionCsrf = doubleCsrf({
      getSecret: () => sessionCsrfSecret,
      getSessionIdentifier: (req: Request) => req.sessionID ?? '',
      cookieName: SESSION_CSRF_COOKIE,
      cookieOptions,
      getCsrfTokenFromRequest: tokenFromRequest,
    });
    const loginCsrfSecret = derive('login-csrf');
    this.loginCsrf = doubleCsrf({
      getSecret: () => loginCsrfSecret,
      getSessionIdentifier: (req: Request) =>
        String((req.cookies as Record<string, string> | undefined)?.[LOGIN_FORM_COOKIE] ?? ''),
      cookieName: LOGIN_CSRF_COOKIE,
      cookieOptions,
      getCsrfTokenFromRequest: tokenFromRequest,
    });
  }

  /** The middleware app.factory mounts on SESSION_PATHS; it leaves the public API alone. */
  middleware(): RequestHandler[] {
    const idleMs = this.config.sessionIdleMinutes * 60_000;
    const absoluteMs = this.config.sessionAbsoluteHours * 3_600_000;
    const sessions = session({
      name: SESSION_COOKIE,
      store: this.store,
      secret: this.secret,
      resave: false,
      saveUninitialized: false,
      rolling: true,
      unset: 'destroy',
      cookie: { httpOnly: true, sameSite: 'lax', secure: this.secure, path: '/', maxAge: idleMs },
    });
    const absolute = (req: Request, res: Response, next: NextFunction): void => {
      const s = req.session;
      if (s?.userId && !(typeof s.createdAt === 'number' && Date.now() - s.createdAt < absoluteMs)) {
        s.destroy((err: unknown) => {
          if (err) return next(err);
          res.clearCookie(SESSION_COOKIE, { path: '/' });
          next();
        });
        return;
      }
      next();
    };
    const staffOnly =
      (handler: RequestHandler): RequestHandler =>
      (req, res, next) =>
        isPublicApiRequest(req) ? next() : handler(req, res, next);
    return [staffOnly(sessions), staffOnly(absolute)];
  }

  /** Starts a signed-in session under a new id (no session fixation). */
  async signIn(req: Request, userId: string): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      req.session.regenerate((err: unknown) => (err ? reject(toError(err)) : resolve())),
    );
    req.session.userId = userId;
    req.session.createdAt = Date.now();
    await new Promise<void>((resolve, reject) =>
      req.session.save((err: unknown) => (err ? reject(toError(err)) : resolve())),
    );
  }

  /** Ends the session (row deleted) and clears its cookies. */
  async signOut(req: Request, res: Response): Promise<void> {
    if (req.session)
      await new Promise<void>((resolve, reject) =>
        req.session.destroy((err: unknown) => (err ? reject(toError(err)) : resolve())),
      );
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.clearCookie(SESSION_CSRF_COOKIE, { path: '/' });
  }

  /** A CSRF token for the signed-in session (sets its cookie when needed). */
  sessionToken(req: Request, res: Response): string {
    return this.sessionCsrf.generateCsrfToken(req, res, { overwrite: false, validateOnReuse: false });
  }

  sessionTokenValid(req: Request): boolean {
    return Boolean(req.sessionID) && this.sessionCsrf.validateRequest(req);
  }

  /** A CSRF token for the sign-in form, bound to a random pre-login cookie (no session yet). */
  loginToken(req: Request, res: Response): string {
    const cookies = (req.cookies ?? {}) as Record<string, string>;
    if (!cookies[LOGIN_FORM_COOKIE]) {
      const id = randomBytes(18).toString('base64url');
      res.cookie(LOGIN_FORM_COOKIE, id, { sameSite: 'lax', secure: this.secure, httpOnly: true, path: '/staff' });
      req.cookies = { ...cookies, [LOGIN_FORM_COOKIE]: id };
    }
    return this.loginCsrf.generateCsrfToken(req, res, {
      overwrite: false,
      validateOnReuse: false,
      cookieOptions: { path: '/staff' },
    });
  }

  loginTokenValid(req: Request): boolean {
    return this.loginCsrf.validateRequest(req);
  }

  async onModuleDestroy(): Promise<void> {
    // Stops the prune timer (the pool is TypeORM's, closed by it). Typed void, async in v10.
    await Promise.resolve(this.store.close() as unknown);
  }
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
