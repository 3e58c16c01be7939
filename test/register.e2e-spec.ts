import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from './helpers/app';
import { apiToken, createStaff } from './helpers/staff';

interface CatalogueItem {
  slug: string;
  url: string;
  title: string;
  images: Array<{ id: string; url: string }>;
}

/**
 * The public notice register and statements of reasons: a complaint filed with distinctive values
 * in every personal field is decided (remedies set as RemediesService records them) and answered
 * by a counter-notice; none of those values may appear on /notices/<ref> in either language nor in
 * its statement of reasons.
 */
describe('public notice register and statements of reasons (real PostgreSQL)', () => {
  let t: TestApp;
  let db: DataSource;
  let article: CatalogueItem;
  let reference: string;
  let complaintId: string;
  let adminToken: string;
  let modToken: string;

  const tag = `${Date.now()}`.slice(-6);
  const PERSONAL = {
    name: `Zebulon Quaxley${tag}`,
    email: `zebulon.quaxley${tag}@private-mail.example.test`,
    phone: `+1 555 0199 ${tag}`,
    address: `77 Wisteria Lane ${tag}, Springfield`,
    signature: `/s/ Zebulon Quaxley${tag} signed`,
    explanation: `I, Zebulon Quaxley${tag}, took this photograph myself; secret-explanation-${tag}.`,
    passage: `A quoted passage naming Zebulon Quaxley${tag}`,
    originalWork: `Original photo album of Zebulon Quaxley${tag}`,
    decisionReason: `Staff note about Zebulon Quaxley${tag}`,
    ownerEmail: `owner-${tag}@author-mail.example.test`,
    ownerName: `Ophelia Ownerton${tag}`,
    counterReason: `counter-reason-text-${tag}`,
  };
  const ORGANISATION = `Quokka Pictures Ltd ${tag}`;

  const get = (path: string, headers: Record<string, string> = { accept: 'text/html' }) =>
    fetch(`${t.baseUrl}${path}`, { headers });
  const bearer = (token: string) => ({ accept: 'application/json', authorization: `Bearer ${token}` });

  function expectNoPersonalData(text: string): void {
    for (const [field, value] of Object.entries(PERSONAL)) {
      expect([field, text.includes(value)]).toEqual([field, false]);
    }
    // Parts of them, too: the surname, the email's local part and domain, the phone's digits.
    for (const part of [
      `Quaxley${tag}`,
      `zebulon.quaxley${tag}`,
      'private-mail.example.test',
      `0199 ${tag}`,
      'Wisteria',
      `Ownerton${tag}`,
      `owner-${tag}`,
    ])
      expect([part, text.includes(part)]).toEqual([part, false]);
  }

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    const items = (
      (await (await get('/api/v1/articles?limit=200', { accept: 'application/json' })).json()) as {
        items: CatalogueItem[];
      }
    ).items;
    article = items.find((a) => a.slug === 'news-40' && a.images.length > 0) ?? items.find((a) => a.images.length > 0)!;
    const res = await fetch(`${t.baseUrl}/api/v1/complaints`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        legalBasis: 'us-dmca',
        locale: 'en',
        complainant: {
          name: PERSONAL.name,
          email: PERSONAL.email,
          phone: PERSONAL.phone,
          address: PERSONAL.address,
          organisation: ORGANISATION,
        },
        originalWork: { description: PERSONAL.originalWork },
        items: [
          { articleUrl: article.url, kind: 'image', detail: article.images[0].id },
          { articleUrl: article.url, kind: 'passage', detail: PERSONAL.passage },
        ],
        explanation: PERSONAL.explanation,
        signature: PERSONAL.signature,
        declarations: { truthful: true, goodFaith: true, perjury: true },
      }),
    });
    expect(res.status).toBe(201);
    reference = ((await res.json()) as { reference: string }).reference;
    [{ id: complaintId }] = await db.query<Array<{ id: string }>>(`SELECT id FROM complaint WHERE reference = $1`, [
      reference,
    ]);
    const admin = await createStaff(db, { role: 'admin' });
    const mod = await createStaff(db);
    adminToken = await apiToken(db, admin.email);
    modToken = await apiToken(db, mod.email);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('an undecided case is not in the register, nor has a statement', async () => {
    expect((await get(`/notices/${reference}`)).status).toBe(404);
    expect((await get(`/api/v1/statements/${reference}`, bearer(adminToken))).status).toBe(404);
  });

  it('once the image is removed (the passage not acted on) the redacted notice is public, in Chinese and English, with no personal data', async () => {
    // What a decision with remedies remove_image + no_action records, then a decided counter-notice.
    await db.query(
      `UPDATE complaint SET state = 'counter_notice_review', decision_reason = $2,
              requester_category = 'rights_holder' WHERE id = $1`,
      [complaintId, PERSONAL.decisionReason],
    );
    await db.query(
      `UPDATE complaint_item SET remedy = CASE kind WHEN 'image' THEN 'remove_image' ELSE 'no_action' END,
              remedy_applied_at = '2026-11-20T02:00:00Z' WHERE complaint_id = $1`,
      [complaintId],
    );
    await db.query(`UPDATE article_image SET status = 'removed', removed_by = $2 WHERE id = $1`, [
      article.images[0].id,
      complaintId,
    ]);
    await db.query(
      `INSERT INTO counter_notice (complaint_id, owner_email, legal_basis, fields, status, decided_at, reason)
       VALUES ($1, $2, 'us-dmca', $3::jsonb, 'valid', '2026-11-22T03:00:00Z', $4)`,
      [
        complaintId,
        PERSONAL.ownerEmail,
        JSON.stringify({ name: PERSONAL.ownerName, address: PERSONAL.address, phone: PERSONAL.phone }),
        PERSONAL.counterReason,
      ],
    );

    const zh = await get(`/notices/${reference}`);
    expect(zh.status).toBe(200);
    const zhHtml = await zh.text();
    expect(zhHtml).toContain('<html lang="zh-CN">');
    expect(zhHtml).toContain('公开通知登记');
    expect(zhHtml).toContain(reference);
    expect(zhHtml).toContain('著作权（美国《数字千年版权法》');
    expect(zhHtml).toContain('权利人');
    expect(zhHtml).toContain('删除图片');
    expect(zhHtml).toContain('2026年11月20日');
    expectNoPersonalData(zhHtml);

    const en = await get(`/notices/${reference}?lang=en`);
    const html = await en.text();
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('Copyright (US Digital Millennium Copyright Act, 17 U.S.C. 512(c))');
    expect(html).toContain('The rights holder');
    expect(html).toContain(`<dd data-notice-organisation>${ORGANISATION}</dd>`);
    expect(html).toContain(article.title); // a copyright case on a published article: the title is shown
    expect(html).toContain('Image 1 in the article');
    expect(html).toContain('A passage in it');
    expect(html).toContain('Image removed');
    expect(html).toContain('No action');
    expect(html).toContain('20 November 2026');
    // The counter-notice: status and date only.
    expect(html).toMatch(/Accepted · <time datetime="2026-11-22T03:00:00.000Z">22 November 2026<\/time>/);
    expectNoPersonalData(html);
  });

  it('the article page links the image notice to the register entry', async () => {
    const html = await (await get(`/articles/${article.slug}?lang=en`)).text();
    expect(html).toContain(`<a href="/notices/${reference}" data-register-link>Public notice ${reference}</a>`);
  });

  it('a removed article: the 451 page links to its entry, which leaves the title out', async () => {
    const items = (
      (await (await get('/api/v1/articles?limit=200', { accept: 'application/json' })).json()) as {
        items: CatalogueItem[];
      }
    ).items;
    const other = items.find((a) => a.slug !== article.slug)!;
    const res = await fetch(`${t.baseUrl}/api/v1/complaints`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        legalBasis: 'eu-dsa',
        locale: 'en',
        complainant: { name: PERSONAL.name, email: PERSONAL.email },
        items: [{ articleUrl: other.url, kind: 'article' }],
        explanation: PERSONAL.explanation,
        declarations: { truthful: true, goodFaith: true },
      }),
    });
    expect(res.status).toBe(201);
    const ref = ((await res.json()) as { reference: string }).reference;
    await db.query(
      `UPDATE complaint_item SET remedy = 'remove_article', remedy_applied_at = now()
        WHERE complaint_id = (SELECT id FROM complaint WHERE reference = $1)`,
      [ref],
    );
    await db.query(`UPDATE complaint SET state = 'actioned' WHERE reference = $1`, [ref]);
    await db.query(
      `UPDATE article SET status = 'removed', removed_by = (SELECT id FROM complaint WHERE reference = $2) WHERE slug = $1`,
      [other.slug, ref],
    );
    const gone = await get(`/articles/${other.slug}?lang=en`);
    expect(gone.status).toBe(451);
    expect(await gone.text()).toContain(`<a href="/notices/${ref}" data-register-link>Public notice ${ref}</a>`);
    const html = await (await get(`/notices/${ref}?lang=en`)).text();
    expect(html).toContain('Title not shown');
    expect(html).not.toContain(other.title);
    expect(html).toContain('Notice of illegal content (EU Digital Services Act, Art. 16)');
    expectNoPersonalData(html);
  });

  it('the statement of reasons uses the DSA Transparency Database fields and carries no personal data', async () => {
    const res = await get(`/api/v1/statements/${reference}`, bearer(adminToken));
    expect(res.status).toBe(200);
    const body = await res.text();
    const s = JSON.parse(body) as Record<string, unknown>;
    expect(s).toMatchObject({
      decision_visibility: ['DECISION_VISIBILITY_CONTENT_DISABLED'],
      decision_ground: 'DECISION_GROUND_ILLEGAL_CONTENT',
      category: 'STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS',
      content_type: ['CONTENT_TYPE_IMAGE'],
      application_date: '2026-11-20',
      source_type: 'SOURCE_ARTICLE_16',
      automated_detection: 'No',
      automated_decision: 'AUTOMATED_DECISION_NOT_AUTOMATED',
      puid: reference,
    });
    expectNoPersonalData(body);
    expect(body).not.toContain(ORGANISATION);

    const batch = await get('/api/v1/statements?from=2026-11-20&to=2026-11-21', bearer(adminToken));
    expect(batch.status).toBe(200);
    const text = await batch.text();
    const { statements } = JSON.parse(text) as { statements: Array<{ puid: string }> };
    expect(statements.map((x) => x.puid)).toContain(reference);
    expectNoPersonalData(text);
    const none = (await (await get('/api/v1/statements?from=2026-11-21&to=2026-11-22', bearer(adminToken))).json()) as {
      statements: unknown[];
    };
    expect(none.statements).toEqual([]);
    expect((await get('/api/v1/statements?from=2026-11-22&to=2026-11-21', bearer(adminToken))).status).toBe(422);
  });

  it('moderators and the public are refused the statements and the withholding', async () => {
    expect((await get(`/api/v1/statements/${reference}`, bearer(modToken))).status).toBe(403);
    expect((await get('/api/v1/statements?from=2026-11-01&to=2026-12-01', bearer(modToken))).status).toBe(403);
    expect((await get(`/api/v1/statements/${reference}`, { accept: 'application/json' })).status).toBe(401);
    const post = (token: string) =>
      fetch(`${t.baseUrl}/api/v1/notices/${reference}/withhold`, {
        method: 'POST',
        headers: { ...bearer(token), 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'no' }),
      });
    expect((await post(modToken)).status).toBe(403);
  });

  it('an admin withholds the entry with a reason (audited); the page then answers 410 with a neutral notice', async () => {
    const withhold = (body: unknown) =>
      fetch(`${t.baseUrl}/api/v1/notices/${reference}/withhold`, {
        method: 'POST',
        headers: { ...bearer(adminToken), 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await withhold({})).status).toBe(422);
    const ok = await withhold({ reason: 'Court order 2026-123 asks us not to publish this notice' });
    expect(ok.status).toBe(200);
    const events = await db.query<Array<{ action: string; payload: { reason: string } }>>(
      `SELECT action, payload FROM audit_event WHERE subject_id = $1 AND action = 'register.withheld'`,
      [complaintId],
    );
    expect(events).toHaveLength(1);
    expect(events[0].payload.reason).toContain('Court order');

    const res = await get(`/notices/${reference}?lang=en`);
    expect(res.status).toBe(410);
    const html = await res.text();
    expect(html).toContain('This register entry is withheld');
    expect(html).not.toContain('Court order'); // the reason stays with staff
    expect(html).not.toContain('Copyright');
    expect(html).not.toContain(ORGANISATION);
    expectNoPersonalData(html);
    // Unknown references stay 404.
    expect((await get('/notices/ND-0000-000000')).status).toBe(404);

    // Published again: the entry answers 200, with an audit event.
    const release = (token: string) =>
      fetch(`${t.baseUrl}/api/v1/notices/${reference}/withhold`, { method: 'DELETE', headers: bearer(token) });
    expect((await release(modToken)).status).toBe(403);
    expect((await release(adminToken)).status).toBe(204);
    expect((await release(adminToken)).status).toBe(404);
    expect((await get(`/notices/${reference}`)).status).toBe(200);
    const released = await db.query<unknown[]>(
      `SELECT 1 FROM audit_event WHERE subject_id = $1 AND action = 'register.released'`,
      [complaintId],
    );
    expect(released).toHaveLength(1);
  });
});
