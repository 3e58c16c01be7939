import type { Locale } from './legal-basis';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function text(v: unknown): string | undefined {
  if (Array.isArray(v)) v = v.find((x) => typeof x === 'string' && x.trim() !== '');
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

function checked(v: unknown): boolean {
  return v === 'true' || v === 'on' || v === 'yes' || (Array.isArray(v) && v.some(checked));
}

/**
 * Turns the HTML form's fields (multer parses `a[b][0]` into objects) into the API's complaint
 * shape, so both channels share one validator. Empty rows and empty strings are dropped.
 */
export function formToComplaint(body: Record<string, unknown>, locale: Locale): Record<string, unknown> {
  const c = (body.complainant ?? {}) as Record<string, unknown>;
  const onBehalf = checked(body.onBehalf);
  const rawItems = Array.isArray(body.items)
    ? body.items
    : body.items && typeof body.items === 'object'
      ? Object.values(body.items)
      : [];
  const items = (rawItems as Array<Record<string, unknown>>)
    .filter((r) => r && typeof r === 'object')
    .map((r) => {
      const kind = text(r.kind) ?? 'article';
      // Without JavaScript a row posts both the image picker and the passage box; pick by kind.
      const details = (Array.isArray(r.detail) ? r.detail : [r.detail]).filter(
        (d): d is string => typeof d === 'string' && d.trim() !== '',
      );
      const imageId = text(r.imageId) ?? details.find((d) => UUID.test(d.trim()));
      const detail = kind === 'image' ? imageId : details.find((d) => !UUID.test(d.trim()));
      return { articleUrl: text(r.articleUrl), kind, detail: detail?.trim() };
    })
    .filter((r) => r.articleUrl || r.detail);
  const ow = (body.originalWork ?? {}) as Record<string, unknown>;
  const d = (body.declarations ?? {}) as Record<string, unknown>;
  const originalWork =
    text(ow.description) || text(ow.url) ? { description: text(ow.description), url: text(ow.url) } : undefined;
  // An agent files as agent; otherwise the filer's own choice, or (none chosen) intake's default by basis.
  const category = text(body.requesterCategory);
  const requesterCategory = onBehalf
    ? 'agent'
    : category === 'rights_holder' || category === 'person_concerned'
      ? category
      : undefined;
  return {
    legalBasis: text(body.legalBasis),
    locale,
    requesterCategory,
    complainant: {
      name: text(c.name),
      email: text(c.email),
      phone: text(c.phone),
      address: text(c.address),
      organisation: text(c.organisation),
      actingFor: onBehalf ? text(c.actingFor) : undefined,
    },
    items,
    originalWork,
    explanation: text(body.explanation),
    signature: text(body.signature),
    declarations: { truthful: checked(d.truthful), goodFaith: checked(d.goodFaith), perjury: checked(d.perjury) },
  };
}
