import type { FieldError } from '../common/domain-error';
import type { StoredFile } from './evidence-storage';
import type { Locale } from './legal-basis';

/** The bases under which an owner may file a counter-notice; eu-dsa and accuracy have an appeal instead (DSA Art. 20). */
export const COUNTER_NOTICE_BASES = ['cn-copyright', 'cn-personal-rights', 'us-dmca'] as const;
export type CounterNoticeBasis = (typeof COUNTER_NOTICE_BASES)[number];
export const hasCounterNotice = (basis: string): basis is CounterNoticeBasis =>
  (COUNTER_NOTICE_BASES as readonly string[]).includes(basis);

export interface CounterNoticeField {
  key: string;
  kind: 'text' | 'longtext' | 'check';
  required: boolean;
  /** The statute's words the field answers (shown as the hint). */
  law: string;
}

/**
 * What each basis requires of a counter-notice, field by field:
 *  cn-copyright        信息网络传播权保护条例 Art. 16: name, contact and address; the works to restore
 *                      and their network address (the items chosen, their URLs); preliminary proof
 *                      of non-infringement (files); the owner answers for its truth.
 *  cn-personal-rights  民法典 Art. 1196: a declaration that no infringement exists, with preliminary
 *                      evidence (files) and the user's real identity (real name, contact, address).
 *  us-dmca             17 U.S.C. 512(g)(3): (A) a physical or electronic signature, (B) the material
 *                      removed and where it appeared (the items, their URLs, a description), (C) a
 *                      statement under penalty of perjury of a good-faith belief of mistake or
 *                      misidentification, (D) name, address, phone and consent to the jurisdiction
 *                      of the Federal District Court and to accept service from the complainant.
 */
export const COUNTER_NOTICE_FIELDS: Record<CounterNoticeBasis, readonly CounterNoticeField[]> = {
  'cn-copyright': [
    { key: 'name', kind: 'text', required: true, law: '条例 16(一)' },
    { key: 'contact', kind: 'text', required: true, law: '条例 16(一)' },
    { key: 'address', kind: 'text', required: true, law: '条例 16(一)' },
    { key: 'workTitle', kind: 'text', required: true, law: '条例 16(二)' },
    { key: 'statement', kind: 'longtext', required: true, law: '条例 16(三)' },
    { key: 'truthful', kind: 'check', required: true, law: '条例 16' },
  ],
  'cn-personal-rights': [
    { key: 'name', kind: 'text', required: true, law: '民法典 1196' },
    { key: 'contact', kind: 'text', required: true, law: '民法典 1196' },
    { key: 'address', kind: 'text', required: true, law: '民法典 1196' },
    { key: 'statement', kind: 'longtext', required: true, law: '民法典 1196' },
    { key: 'truthful', kind: 'check', required: true, law: '民法典 1196' },
  ],
  'us-dmca': [
    { key: 'name', kind: 'text', required: true, law: '512(g)(3)(D)' },
    { key: 'address', kind: 'text', required: true, law: '512(g)(3)(D)' },
    { key: 'phone', kind: 'text', required: true, law: '512(g)(3)(D)' },
    { key: 'material', kind: 'longtext', required: true, law: '512(g)(3)(B)' },
    { key: 'statement', kind: 'longtext', required: false, law: '512(g)(3)(C)' },
    { key: 'perjury', kind: 'check', required: true, law: '512(g)(3)(C)' },
    { key: 'consent', kind: 'check', required: true, law: '512(g)(3)(D)' },
    { key: 'signature', kind: 'text', required: true, law: '512(g)(3)(A)' },
  ],
};

/** Preliminary proof is required by 条例 Art. 16(三) and 民法典 Art. 1196; 512(g)(3) asks for none. */
export const FILES_REQUIRED: Record<CounterNoticeBasis, boolean> = {
  'cn-copyright': true,
  'cn-personal-rights': true,
  'us-dmca': false,
};

/** A counter-notice as filed: the owner, the items to restore (positions), the fields, the stored files. */
export interface CounterNoticeFiling {
  ownerEmail: string;
  locale: Locale;
  items: number[];
  fields: Record<string, string | boolean>;
  files: StoredFile[];
}

const MAX_TEXT = 4000;

/**
 * The fields of a counter-notice for its basis, from a JSON body or a form (checkboxes: 'on',
 * 'true', true). Returns the normalised fields and item positions, or the field errors (rule
 * `required`; `items` when none of the owner's items is chosen; `files` when proof is required).
 */
export function checkCounterNotice(
  basis: CounterNoticeBasis,
  body: Record<string, unknown>,
  ownItems: readonly number[],
  fileCount: number,
): { fields: Record<string, string | boolean>; items: number[]; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const fields: Record<string, string | boolean> = {};
  for (const f of COUNTER_NOTICE_FIELDS[basis]) {
    const raw = body[f.key];
    if (f.kind === 'check') {
      const on = raw === true || raw === 'on' || raw === 'true' || raw === '1';
      fields[f.key] = on;
      if (f.required && !on) errors.push({ field: f.key, rule: 'required', message: `${f.key} must be confirmed` });
    } else {
      const text = typeof raw === 'string' ? raw.trim().slice(0, MAX_TEXT) : '';
      if (text) fields[f.key] = text;
      if (f.required && !text) errors.push({ field: f.key, rule: 'required', message: `${f.key} is required` });
    }
  }
  const rawItems = Array.isArray(body.items) ? body.items : body.items === undefined ? [] : [body.items];
  const items = [...new Set(rawItems.map((v) => Number(v)))].filter((n) => ownItems.includes(n)).sort();
  if (!items.length)
    errors.push({ field: 'items', rule: 'required', message: 'choose which of your items to restore' });
  if (FILES_REQUIRED[basis] && fileCount === 0)
    errors.push({
      field: 'files',
      rule: 'required',
      message: 'attach preliminary proof that there is no infringement',
    });
  return { fields, items, errors };
}
