import { AddressObject, simpleParser } from 'mailparser';
import type { ParsedMail } from 'mailparser';

/** An attachment as found in the message (nested forwards flattened), before any check. */
export interface FoundAttachment {
  name: string;
  declaredType: string;
  buffer: Buffer;
}

export interface BounceInfo {
  /** Final-Recipient / Original-Recipient addresses of the delivery status notification. */
  recipients: string[];
  /** The Message-ID of the message that bounced (from the returned headers), if given. */
  originalMessageId: string | null;
  status: string | null;
}

/** What the filing path needs from a raw message; no I/O beyond parsing. */
export interface ParsedInbound {
  messageId: string | null;
  fromAddress: string | null;
  fromName: string | null;
  subject: string | null;
  inReplyTo: string | null;
  /** In-Reply-To and References, oldest first, each `<id>` once. */
  threadIds: string[];
  text: string;
  html: string | null;
  locale: 'zh-CN' | 'en';
  attachments: FoundAttachment[];
  /** Files never offered as attachments (winmail.dat and other TNEF blobs). */
  ignored: string[];
  autoReply: boolean;
  bounce: BounceInfo | null;
  /** Authentication-Results with dmarc, spf or dkim = fail. */
  authFailed: boolean;
}

const MAX_NESTING = 3;
const TNEF = /^application\/(ms-tnef|vnd\.ms-tnef)$/i;

function firstAddress(a: AddressObject | AddressObject[] | undefined): { address: string | null; name: string | null } {
  const list = Array.isArray(a) ? a : a ? [a] : [];
  for (const o of list)
    for (const v of o.value) if (v.address) return { address: v.address.toLowerCase(), name: v.name || null };
  return { address: null, name: null };
}

function header(m: ParsedMail, name: string): string {
  const v: unknown = m.headers.get(name);
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.filter((x) => typeof x === 'string').join(' ');
  if (v && typeof v === 'object' && 'value' in v && typeof v.value === 'string') return v.value;
  return '';
}

function ids(value: string | string[] | undefined): string[] {
  const s = Array.isArray(value) ? value.join(' ') : (value ?? '');
  return s.match(/<[^<>\s]+>/g) ?? [];
}

/** RFC 3834 Auto-Submitted (anything but "no"), vacation responders' X-Autoreply, bulk/list mail. */
export function isAutoReply(m: ParsedMail): boolean {
  const auto = header(m, 'auto-submitted').trim().toLowerCase();
  if (auto && auto !== 'no') return true;
  if (m.headers.has('x-autoreply') || m.headers.has('x-autorespond')) return true;
  if (/^(bulk|list|junk|auto_reply)$/i.test(header(m, 'precedence').trim())) return true;
  return false;
}

/** Any fail verdict for dmarc, spf or dkim in the receiving server's Authentication-Results. */
export function authFailed(raw: string): boolean {
  const headerEnd = raw.search(/\r?\n\r?\n/);
  const head = (headerEnd >= 0 ? raw.slice(0, headerEnd) : raw).replace(/\r?\n[ \t]+/g, ' ');
  return head
    .split(/\r?\n/)
    .filter((l) => /^authentication-results:/i.test(l))
    .some((l) => /\b(dmarc|spf|dkim)\s*=\s*(fail|softfail|permerror)\b/i.test(l));
}

function bounceOf(m: ParsedMail, raw: string): BounceInfo | null {
  const ct = header(m, 'content-type');
  if (!/multipart\/report/i.test(ct) || !/report-type\s*=\s*"?delivery-status/i.test(ct + raw.slice(0, 4000)))
    return null;
  const parts = m.attachments.map((a) => ({ type: a.contentType.toLowerCase(), text: a.content.toString('utf8') }));
  const dsn = parts.find((p) => p.type === 'message/delivery-status')?.text ?? raw;
  const recipients = [
    ...dsn.matchAll(/^(?:final|original)-recipient:\s*(?:rfc822;)?\s*<?([^\s<>;]+@[^\s<>;]+)>?/gim),
  ].map((x) => x[1].toLowerCase());
  const status = /^status:\s*([0-9.]+)/im.exec(dsn)?.[1] ?? null;
  const returned = parts.find((p) => p.type === 'text/rfc822-headers' || p.type === 'message/rfc822')?.text ?? raw;
  const original = /^message-id:\s*(<[^<>\s]+>)/im.exec(returned)?.[1] ?? null;
  return { recipients: [...new Set(recipients)], originalMessageId: original, status };
}

/** zh-CN when the text has a fair share of Han characters, else en. */
export function detectLocale(text: string): 'zh-CN' | 'en' {
  const sample = text.slice(0, 4000);
  const han = (sample.match(/\p{Script=Han}/gu) ?? []).length;
  const latin = (sample.match(/[A-Za-z]/g) ?? []).length;
  return han > 0 && han * 3 >= latin / 2 ? 'zh-CN' : 'en';
}

async function flatten(
  m: ParsedMail,
  depth: number,
  out: { text: string[]; attachments: FoundAttachment[]; ignored: string[] },
): Promise<void> {
  for (const a of m.attachments) {
    const type = a.contentType.toLowerCase();
    const name = (a.filename || 'attachment').replace(/[\\/\r\n\0]/g, '_').slice(0, 200);
    if (TNEF.test(type) || /^winmail\.dat$/i.test(name)) {
      out.ignored.push(name);
      continue;
    }
    if (type === 'message/rfc822' && depth < MAX_NESTING) {
      // A forwarded message (a lawyer's letter): its text joins the body, its files the attachments.
      const inner = await simpleParser(a.content, { skipImageLinks: true, skipTextToHtml: true });
      const from = inner.from?.text ?? '';
      out.text.push(
        `---------- Forwarded message ----------\nFrom: ${from}\nSubject: ${inner.subject ?? ''}\n\n${(inner.text ?? '').trim()}`,
      );
      await flatten(inner, depth + 1, out);
      continue;
    }
    if (a.related && a.contentDisposition !== 'attachment') continue; // inline images of the HTML body
    if (type === 'message/delivery-status' || type === 'text/rfc822-headers') continue;
    out.attachments.push({ name, declaredType: type, buffer: a.content });
  }
}

export async function parseInbound(raw: Buffer): Promise<ParsedInbound> {
  // textAsHtml (linkify over the whole text) is never used: skipping it makes parsing ~3x faster.
  const m = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true });
  const rawHead = raw.subarray(0, 64 * 1024).toString('latin1');
  const from = firstAddress(m.from);
  const inReplyTo = ids(m.inReplyTo)[0] ?? null;
  const threadIds = [...new Set([...ids(m.references), ...ids(m.inReplyTo)])];
  const out = { text: [(m.text ?? '').trim()], attachments: [] as FoundAttachment[], ignored: [] as string[] };
  const bounce = bounceOf(m, rawHead);
  if (!bounce) await flatten(m, 0, out);
  const text = out.text.filter(Boolean).join('\n\n');
  return {
    messageId: ids(m.messageId)[0] ?? null,
    fromAddress: from.address,
    fromName: from.name,
    subject: m.subject?.slice(0, 500) ?? null,
    inReplyTo,
    threadIds,
    text,
    html: typeof m.html === 'string' ? m.html : null,
    locale: detectLocale(`${m.subject ?? ''}\n${text}`),
    attachments: out.attachments,
    ignored: out.ignored,
    autoReply: isAutoReply(m),
    bounce,
    authFailed: authFailed(rawHead),
  };
}

/** Quoted history (">" lines, "On … wrote:", Chinese clients' 原始邮件 block) cut for display. */
export function stripQuoted(text: string): string {
  const lines = text.split(/\r?\n/);
  const out: string[] = [];
  for (const line of lines) {
    if (/^-{2,}\s*(original message|原始邮件|forwarded message)/i.test(line.trim()) && out.length) break;
    if (/^On .+wrote:\s*$/.test(line.trim()) || /^在.+写道[：:]\s*$/.test(line.trim())) break;
    if (/^>/.test(line)) continue;
    out.push(line);
  }
  return out.join('\n').trim();
}
