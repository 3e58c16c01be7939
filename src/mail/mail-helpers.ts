import type { HelperDelegate, HelperOptions } from 'handlebars';
import { translate } from '../common/i18n';

export type MailLocale = 'zh-CN' | 'en';

/** How each legal basis is named to a reader; the keys are the complaint.legal_basis values. */
export const LEGAL_BASIS_LABELS: Record<string, Record<MailLocale, string>> = {
  'cn-copyright': { 'zh-CN': '著作权（信息网络传播权）', en: 'Copyright (China)' },
  'cn-personal-rights': { 'zh-CN': '人格权（名誉、肖像、隐私）', en: 'Personality rights' },
  'us-dmca': { 'zh-CN': 'DMCA（美国数字千年版权法）', en: 'DMCA' },
  'eu-dsa': { 'zh-CN': '欧盟《数字服务法》通知', en: 'EU Digital Services Act notice' },
  accuracy: { 'zh-CN': '内容准确性疑问', en: 'Accuracy concern' },
};

export const ITEM_KIND_LABELS: Record<string, Record<MailLocale, string>> = {
  article: { 'zh-CN': '整篇文章', en: 'Whole article' },
  image: { 'zh-CN': '图片', en: 'Image' },
  passage: { 'zh-CN': '文中段落', en: 'Passage' },
};

/**
 * What each remedy did, as told to a party (past tense: the mail goes out once it is applied).
 * The keys are the complaint_item.remedy values.
 */
export const REMEDY_LABELS: Record<string, Record<MailLocale, string>> = {
  remove_article: { 'zh-CN': '整篇文章已从网站撤下', en: 'The whole article was taken down' },
  remove_image: { 'zh-CN': '图片已撤下', en: 'The image was taken down' },
  edit_passage: { 'zh-CN': '相关段落将由编辑部修改', en: 'The passage will be edited by the newsroom' },
  add_correction: { 'zh-CN': '已在文中刊登更正说明', en: 'A correction note was added to the article' },
  add_attribution: { 'zh-CN': '将由编辑部补充署名或来源', en: 'The newsroom will add the attribution' },
  no_action: { 'zh-CN': '不作处理', en: 'No action taken' },
};

/** Only strings and numbers are printable here; anything else renders as nothing. */
function str(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
}

function localeOf(options: HelperOptions): MailLocale {
  return (options.data as { locale?: string } | undefined)?.locale === 'en' ? 'en' : 'zh-CN';
}

function label(table: Record<string, Record<MailLocale, string>>, key: unknown, options: HelperOptions): string {
  const entry = table[str(key)];
  return entry ? entry[localeOf(options)] : str(key);
}

// Built once: constructing an Intl.DateTimeFormat costs far more than formatting with it.
const BEIJING_MINUTE = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/**
 * Dates are shown in Beijing time, the desk's legal time zone; deadlines run on it, so the
 * reader sees the same date the desk records.
 */
export function formatMailDate(iso: unknown, locale: MailLocale): string {
  const d = iso instanceof Date ? iso : new Date(str(iso));
  if (Number.isNaN(d.getTime())) return str(iso);
  const parts = Object.fromEntries(BEIJING_MINUTE.formatToParts(d).map((p) => [p.type, p.value]));
  return locale === 'en'
    ? `${parts.day}/${parts.month}/${parts.year} ${parts.hour}:${parts.minute} (Beijing time, UTC+8)`
    : `${parts.year}年${parts.month}月${parts.day}日 ${parts.hour}:${parts.minute}（北京时间）`;
}

/** The date alone, in Beijing time (for deadlines counted in days, such as the appeal window). */
export function formatMailDay(iso: unknown, locale: MailLocale): string {
  const d = iso instanceof Date ? iso : new Date(str(iso));
  if (Number.isNaN(d.getTime())) return str(iso);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', year: 'numeric', month: 'long', day: 'numeric' })
      .formatToParts(d)
      .map((p) => [p.type, p.value]),
  );
  if (locale === 'en') return `${parts.day} ${parts.month} ${parts.year} (Beijing time)`;
  const [y, m, day] = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(d).split('-');
  return `${y}年${Number(m)}月${Number(day)}日（北京时间）`;
}

/** Links in mail must be http(s); anything else (javascript:, data:) becomes inert. */
export function safeUrl(value: unknown): string {
  const s = str(value);
  return /^https?:\/\//i.test(s) ? s : '#';
}

/** Helpers every mail template may use; the locale travels in @data, not in the payload. */
export const MAIL_HELPERS: Record<string, HelperDelegate> = {
  eq: (a: unknown, b: unknown) => a === b,
  gt: (a: unknown, b: unknown) => Number(a) > Number(b),
  inc: (n: unknown) => Number(n) + 1,
  basis: (key: unknown, options: HelperOptions) => label(LEGAL_BASIS_LABELS, key, options),
  kind: (key: unknown, options: HelperOptions) => label(ITEM_KIND_LABELS, key, options),
  or: (...args: unknown[]) => args.slice(0, -1).some(Boolean),
  remedy: (key: unknown, options: HelperOptions) => label(REMEDY_LABELS, key, options),
  /** A complaint state by the names the tracking page uses. */
  state: (key: unknown, options: HelperOptions) => {
    const k = `state.${str(key)}.label`;
    const text = translate(localeOf(options), k);
    return text === k ? str(key) : text;
  },
  /** Whole hours, rounded up (a case 20 minutes late is 1 hour late, not 0). */
  hours: (n: unknown) => (Number.isFinite(Number(n)) ? String(Math.max(0, Math.ceil(Number(n)))) : ''),
  date: (iso: unknown, options: HelperOptions) => formatMailDate(iso, localeOf(options)),
  day: (iso: unknown, options: HelperOptions) => formatMailDay(iso, localeOf(options)),
  safeUrl: (value: unknown) => safeUrl(value),
};
