import type { NextFunction, Request, Response } from 'express';
import type { Locale } from '../complaints/legal-basis';
import { negotiateLocale } from './i18n';

/** Remembers an explicit language choice for the pages (the `lang` cookie, a year). */
export function rememberLocale(res: Response, locale: Locale): void {
  res.cookie('lang', locale, { httpOnly: true, sameSite: 'lax', maxAge: 365 * 24 * 3600 * 1000 });
}

/** Sets res.locals.locale for every page and remembers an explicit ?lang= choice in a cookie. */
export function localeMiddleware(req: Request, res: Response, next: NextFunction): void {
  const query = req.query.lang;
  const locale = negotiateLocale(query, req.cookies?.lang, req.headers['accept-language']);
  if (query === 'en' || query === 'zh-CN') rememberLocale(res, query);
  res.locals.locale = locale;
  res.locals.htmlLang = locale === 'zh-CN' ? 'zh-CN' : 'en';
  next();
}
