/**
 * Filing a complaint through the public API, as the specs do over and over: an eu-dsa filing in
 * English by a fresh address unless the body says otherwise (the body's fields replace these).
 */
let seq = 0;

export interface FilingBody {
  items: unknown[];
  legalBasis?: string;
  locale?: 'en' | 'zh-CN';
  complainant?: Record<string, unknown>;
  explanation?: string;
  declarations?: Record<string, unknown>;
  [field: string]: unknown;
}

/** A unique address for a filer (same pid and clock never repeat within a run). */
export const filerEmail = (tag = 'filer') => `${tag}-${process.pid}-${Date.now()}-${seq++}@example.test`;

/** POST /api/v1/complaints with the defaults filled in; the response as it came. */
export function postComplaint(baseUrl: string, body: FilingBody): Promise<Response> {
  return fetch(`${baseUrl}/api/v1/complaints`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      legalBasis: 'eu-dsa',
      locale: 'en',
      complainant: { name: 'Test Filer', email: filerEmail() },
      explanation: 'This article contains illegal content.',
      declarations: { truthful: true, goodFaith: true },
      ...body,
    }),
  });
}

/** Files a complaint and expects 201; its reference and tracking link. */
export async function fileComplaint(
  baseUrl: string,
  body: FilingBody,
): Promise<{ reference: string; trackingUrl: string }> {
  const res = await postComplaint(baseUrl, body);
  if (res.status !== 201) throw new Error(`filing answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as { reference: string; trackingUrl: string };
}
