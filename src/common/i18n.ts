import { Locale } from '../complaints/legal-basis';
import { EN } from './i18n/en';
import { ZH_CN } from './i18n/zh-CN';

export type Messages = Record<string, string>;

const DICTS: Record<Locale, Messages> = { 'zh-CN': ZH_CN, en: EN };

/** Looks up `key` in the locale's dictionary, falling back to English, then to the key. */
export function translate(locale: Locale, key: string, vars?: Record<string, unknown>): string {
  const text = DICTS[locale]?.[key] ?? EN[key] ?? key;
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = vars[name];
    if (v === undefined || v === null) return `{${name}}`;
    return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
  });
}

/** Picks zh-CN or en from ?lang=, the lang cookie, then Accept-Language; Chinese first. */
export function negotiateLocale(query?: unknown, cookie?: unknown, acceptLanguage?: string): Locale {
  for (const v of [query, cookie]) {
    if (v === 'en' || v === 'zh-CN') return v;
  }
  if (acceptLanguage) {
    const ranked = acceptLanguage
      .split(',')
      .map((part) => {
        const [tag, ...params] = part.trim().split(';');
        const q = params.find((p) => p.trim().startsWith('q='));
        return { tag: tag.toLowerCase(), q: q ? Number(q.trim().slice(2)) : 1 };
      })
      .filter((x) => x.tag && !Number.isNaN(x.q))
      .sort((a, b) => b.q - a.q);
    for (const { tag } of ranked) {
      if (tag.startsWith('zh')) return 'zh-CN';
      if (tag.startsWith('en')) return 'en';
    }
  }
  return 'zh-CN';
}
