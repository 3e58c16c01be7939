import { doubleCsrf } from 'csrf-csrf';
import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';

export const FORM_COOKIE = 'nd_form';

/**
 * Double-submit CSRF tokens (csrf-csrf) for the public forms. The public has no session, so the
 * token is bound to a random per-browser cookie. The secret comes from COOKIE_SECRET (set it
 * when several instances serve the same site) or is random per process.
 */
export function createCsrf(secret = randomBytes(32).toString('hex'), secure = false) {
  const { generateCsrfToken, validateRequest } = doubleCsrf({
    getSecret: () => secret,
    getSessionIdentifier: (req: Request) => String(req.cookies?.[FORM_COOKIE] ?? ''),
    cookieName: 'nd_csrf',
    cookieOptions: { sameSite: 'lax', secure, httpOnly: true, path: '/' },
    getCsrfTokenFromRequest: (req: Request) =>
      (req.body as Record<string, unknown> | undefined)?._csrf as string | undefined,
  });

  return {
    /** Issues the browser's form cookie if missing, and a token for the page. */
    issue(req: Request, res: Response): string {
      if (!req.cookies?.[FORM_COOKIE]) {
        const id = randomBytes(18).toString('base64url');
        res.cookie(FORM_COOKIE, id, { sameSite: 'lax', secure, httpOnly: true, path: '/' });
        req.cookies = { ...(req.cookies ?? {}), [FORM_COOKIE]: id };
      }
      return generateCsrfToken(req, res, { overwrite: false, validateOnReuse: false });
    },
    valid(req: Request): boolean {
      return validateRequest(req);
    },
  };
}
