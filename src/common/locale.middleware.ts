import type { NextFunction, Request, Response } from 'express';
import { negotiateLocale } from './i18n';

/** Sets res.locals.locale for every page and remembers an explicit ?lang= choice in a cookie. */
export function localeMiddleware(req: Request, res: Response, next: NextFunction): void {
  const query = req.query.lang;
  const locale = negotiateLocale(query, req.cookies?.lang, req.headers['accept-language']);
  if (query === 'en' || query === 'zh-CN') {
    res.cookie('lang', query, { httpOnly: true, sameSite: 'lax', maxAge: 365 * 24 * 3600 * 1000 });
  }
  res.locals.locale = locale;
  res.locals.htmlLang = locale === 'zh-CN' ? 'zh-CN' : 'en';
  next();
}
