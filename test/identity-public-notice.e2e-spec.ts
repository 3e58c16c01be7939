import { DataSource } from 'typeorm';
import { tokenStaff } from './helpers/staff';
import type { TokenStaff } from './helpers/staff';
import { startTestApp, TestApp } from './helpers/app';

type Staff = TokenStaff;

interface Article {
  slug: string;
  url: string;
  images: Array<{ id: string; url: string }>;
}

/** A staff member with a personal API token. */
const staff = tokenStaff;

/** A small real PDF and PNG, as the content sniffer checks bytes, not names. */
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082',
  'hex',
);

/**
 * Issue 7 at intake and on the public site, over HTTP against the real app, PostgreSQL and SMTP:
 * - a personal-rights notice needs a proof of identity (民法典 Art. 1195), which only staff see;
 * - the 451 page and the image notices name the legal demand (basis, requester category, date,
 *   case reference) and nothing personal; the 451 keeps its RFC 7725 blocked-by Link;
 * - a content owner whose catalogue entry says `en` gets the owner notice in English.
 * Articles news-36..news-38 are used by this spec alone (the catalogue is shared by the run).
 */
describe('identity documents, the public legal demand and the owner locale', () => {
  let t: TestApp;
  let db: DataSource;
  let mod: Staff, admin: Staff, admin2: Staff;
  const articles = new Map<string, Article>();
  let n = 0;

  const api = (who: Staff | null, method: string, path: string, body?: unknown) =>
    fetch(`${t.baseUrl}${path}`, {
      method,
      headers: {
        ...(who ? { authorization: `Bearer ${who.token}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
  const move = async (who: Staff, ref: string, body: Record<string, unknown>) => {
    const res = await api(who, 'POST', `/api/v1/complaints/${ref}/transitions`, body);
    expect([res.status, await res.text()]).toEqual([200, expect.any(String)]);
  };
  const article = (slug: string) => articles.get(slug) as Article;
  const ownerOf = async (slug: string) =>
    (await db.query<Array<{ owner_email: string }>>(`SELECT owner_email FROM article WHERE slug = $1`, [slug]))[0]
      .owner_email;

  /** Files over multipart: the JSON in `complaint`, files by field name. */
  async function fileMultipart(complaint: Record<string, unknown>, files: Array<[string, string, Buffer, string]>) {
    const form = new FormData();
    form.set('complaint', JSON.stringify(complaint));
    for (const [field, name, bytes, type] of files) form.append(field, new Blob([bytes], { type }), name);
    return fetch(`${t.baseUrl}/api/v1/complaints`, { method: 'POST', body: form });
  }

  const personal = (slug: string, email: string) => ({
    legalBasis: 'cn-personal-rights',
    locale: 'zh-CN',
    complainant: { name: '王小明', email, phone: '+86 139 0000 1234', address: '上海市静安区某路 1 号' },
    items: [{ articleUrl: article(slug).url, kind: 'image', detail: article(slug).images[0].id }],
    explanation: '这张照片是我的肖像，未经我同意刊登。',
    declarations: { truthful: true },
  });

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    [mod, admin, admin2] = await Promise.all([
      staff(db, 'moderator', 'Mod Seven'),
      staff(db, 'admin', 'Admin Seven'),
      staff(db, 'admin', 'Admin Eight'),
    ]);
    const list = (await (await api(null, 'GET', '/api/v1/articles?limit=200')).json()) as { items: Article[] };
    for (const a of list.items) articles.set(a.slug, a);
  });

  afterAll(async () => {
    if (db) {
      // Leave the shared demo catalogue as other specs expect it.
      await db.query(
        `UPDATE article SET status = 'published', removed_by = NULL, owner_locale = 'zh-CN' WHERE slug IN ('news-36', 'news-37', 'news-38')`,
      );
      await db.query(
        `UPDATE article_image SET status = 'visible', removed_by = NULL
          WHERE article_id IN (SELECT id FROM article WHERE slug IN ('news-36', 'news-37', 'news-38'))`,
      );
    }
    await t?.close();
  });

  describe('proof of identity for cn-personal-rights (民法典 Art. 1195)', () => {
    it('without it the API answers 422 naming the field `identity`; other bases do not need it', async () => {
      const email = `id${n++}-${Date.now()}@example.test`;
      const res = await fileMultipart(personal('news-36', email), [['evidence', 'proof.pdf', PDF, 'application/pdf']]);
      expect(res.status).toBe(422);
      const body = (await res.json()) as {
        code: string;
        details: Array<{ field: string; rule: string; message: string }>;
      };
      expect(body.code).toBe('VALIDATION');
      expect(body.details.map((d) => [d.field, d.rule])).toEqual([['identity', 'identityRequired']]);
      expect(body.details[0].message).toContain('proof of your identity');
      // A JSON filing cannot carry it either: the same error.
      const json = await api(null, 'POST', '/api/v1/complaints', personal('news-36', email));
      expect(((await json.json()) as { details: Array<{ field: string }> }).details.map((d) => d.field)).toContain(
        'identity',
      );
      const dsa = await api(null, 'POST', '/api/v1/complaints', {
        ...personal('news-36', email),
        legalBasis: 'eu-dsa',
        declarations: { truthful: true, goodFaith: true },
      });
      expect(dsa.status).toBe(201);
      // More than one identity document is refused.
      const two = await fileMultipart(personal('news-36', email), [
        ['evidence', 'proof.pdf', PDF, 'application/pdf'],
        ['identity', 'id-front.png', PNG, 'image/png'],
        ['identity', 'id-back.png', PNG, 'image/png'],
      ]);
      // (multer's "Unexpected field", as for a second authorisation file)
      expect([400, 422]).toContain(two.status);
      expect(two.status).not.toBe(201);
    });

    it('with it: 201; staff see and download it as an identity document; the tracking page, the owner page and the owner notice never show it; the image notice names the demand without personal data', async () => {
      const email = `id${n++}-${Date.now()}@example.test`;
      const complaint = personal('news-36', email);
      const res = await fileMultipart(complaint, [
        ['evidence', 'portrait-proof.pdf', PDF, 'application/pdf'],
        ['identity', '身份证-正面.png', PNG, 'image/png'],
      ]);
      expect(res.status).toBe(201);
      const { reference, trackingUrl } = (await res.json()) as { reference: string; trackingUrl: string };
      const [{ requester_category }] = await db.query<Array<{ requester_category: string }>>(
        `SELECT requester_category FROM complaint WHERE reference = $1`,
        [reference],
      );
      expect(requester_category).toBe('person_concerned');

      // Staff: the API lists it with its purpose; the case page calls it an identity document; it downloads.
      const view = (await (await api(mod, 'GET', `/api/v1/complaints/${reference}`)).json()) as {
        files: Array<{ id: string; purpose: string; originalName: string; downloadUrl: string }>;
        requesterCategory: string;
      };
      expect(view.requesterCategory).toBe('person_concerned');
      const identity = view.files.find((f) => f.purpose === 'identity');
      expect(identity?.originalName).toBe('身份证-正面.png');
      const page = await (await api(mod, 'GET', `/staff/complaints/${reference}`)).text();
      expect(page).toContain('身份证明');
      const en = await (await api(mod, 'GET', `/staff/complaints/${reference}?lang=en`)).text();
      expect(en).toContain('Identity document');
      const download = await api(mod, 'GET', identity!.downloadUrl);
      expect(download.status).toBe(200);
      expect(Buffer.from(await download.arrayBuffer()).equals(PNG)).toBe(true);
      expect((await fetch(`${t.baseUrl}${identity!.downloadUrl}`, { redirect: 'manual' })).status).toBe(303);

      // The complainant's tracking page and API: nothing of the file.
      const token = trackingUrl.split('/track/')[1];
      for (const body of [
        await (await fetch(trackingUrl)).text(),
        await (await fetch(`${trackingUrl}?lang=en`)).text(),
        await (await api(null, 'GET', `/api/v1/track/${token}`)).text(),
      ]) {
        expect(body).toContain(reference);
        expect(body).not.toContain('身份证');
        expect(body).not.toMatch(/identity|身份证明/i);
      }

      // Upheld: the owner's notice and page carry the notice, never the identity document.
      await move(mod, reference, { to: 'in_review', version: 1 });
      await move(mod, reference, {
        to: 'actioned',
        version: 2,
        reason: '照片为投诉人肖像，未经同意使用。',
        remedies: [{ item: 0, remedy: 'remove_image' }],
      });
      const ownerEmail = await ownerOf('news-36');
      const owner = await t.sink.waitFor(
        (m) => m.subject?.includes(reference) === true && t.sink.to(ownerEmail).includes(m),
      );
      expect(owner.attachments).toHaveLength(0);
      for (const text of [owner.text ?? '', String(owner.html)]) {
        expect(text).not.toContain('身份证');
        expect(text).not.toContain(email);
      }
      const respondUrl = /https?:\/\/\S+\/respond\/[A-Za-z0-9_-]{43}/.exec(owner.text ?? '')?.[0];
      expect(respondUrl).toBeDefined();
      for (const lang of ['', '?lang=en']) {
        const ownerPage = await fetch(`${respondUrl}${lang}`);
        expect(ownerPage.status).toBe(200);
        const html = await ownerPage.text();
        expect(html).toContain(reference);
        // The page may say that the notifier's identity document stays with the desk (民法典
        // Art. 1195 forwarding); the document itself, its name and its link never appear.
        expect(html).not.toContain('身份证-正面');
        expect(html).not.toContain(identity!.id);
        expect(html).not.toContain('id-card');
      }

      // The public image notice: basis, category, date and reference; nothing of the person.
      const zh = await (await fetch(`${t.baseUrl}/articles/news-36`)).text();
      const notice = /<div class="image-removed__text"[\s\S]*?<\/div>/.exec(zh)?.[0] ?? '';
      expect(notice).toContain(reference);
      expect(notice).toContain('人格权：名誉、肖像或隐私（《民法典》第一千一百九十五条）');
      expect(notice).toContain('提出要求者：相关当事人；');
      expect(notice).toMatch(/决定日期：\d{4}年\d{1,2}月\d{1,2}日/);
      const enPage = await (await fetch(`${t.baseUrl}/articles/news-36?lang=en`)).text();
      const enNotice = /<div class="image-removed__text"[\s\S]*?<\/div>/.exec(enPage)?.[0] ?? '';
      expect(enNotice).toContain('Personal rights: reputation, portrait or privacy (Civil Code of China, Art. 1195)');
      expect(enNotice).toContain('requested by: A person concerned');
      expect(enNotice).toMatch(/; decided on \d{1,2} \w+ \d{4}\./);
      for (const html of [zh, enPage]) noPersonalData(html, complaint, ['身份证-正面.png', 'portrait-proof.pdf']);
    });
  });

  describe('the 451 page names the legal demand (RFC 7725)', () => {
    it('basis, requester category (an agent), date of decision and reference, in both languages, with the blocked-by Link and nothing personal', async () => {
      const email = `agent${n++}-${Date.now()}@lawfirm.example.test`;
      const complaint = {
        legalBasis: 'cn-copyright',
        locale: 'en',
        complainant: {
          name: 'Li Lawyer',
          email,
          phone: '+86 21 5555 0101',
          address: '88 Century Avenue, Pudong, Shanghai',
          organisation: 'Fairlaw Partners',
          actingFor: 'Chen Photographer',
        },
        items: [{ articleUrl: article('news-38').url, kind: 'article', detail: 'the whole report copies our text' }],
        originalWork: {
          description: 'Chen’s photo essay “Harbour Lights”',
          url: 'https://photos.example/chen/harbour',
        },
        explanation: 'The whole article reproduces my client’s essay without permission.',
        declarations: { truthful: true },
      };
      const res = await fileMultipart(complaint, [
        ['evidence', 'registration-certificate.pdf', PDF, 'application/pdf'],
        ['authorisation', 'power-of-attorney.pdf', PDF, 'application/pdf'],
      ]);
      expect(res.status).toBe(201);
      const { reference } = (await res.json()) as { reference: string };
      await move(mod, reference, { to: 'in_review', version: 1 });
      await move(mod, reference, {
        to: 'escalated',
        version: 2,
        reason: 'The article reproduces the essay: propose removal.',
        remedies: [{ item: 0, remedy: 'remove_article' }],
      });
      await move(admin, reference, { to: 'actioned', version: 3 });

      const zh = await fetch(`${t.baseUrl}/articles/news-38`);
      expect(zh.status).toBe(451);
      expect(zh.headers.get('link')).toBe(`<${t.config.publicBaseUrl}/>; rel="blocked-by"`);
      const zhHtml = await zh.text();
      expect(zhHtml).toContain(`<span class="gone-page__case-value">${reference}</span>`);
      expect(zhHtml).toContain('著作权（《信息网络传播权保护条例》第十四条）');
      expect(zhHtml).toContain('<dd data-demand-requester>权利人的代理人</dd>');
      expect(zhHtml).toMatch(/<time datetime="[^"]+" data-demand-date>\d{4}年\d{1,2}月\d{1,2}日<\/time>/);

      const en = await fetch(`${t.baseUrl}/articles/news-38?lang=en`);
      expect(en.status).toBe(451);
      expect(en.headers.get('link')).toBe(`<${t.config.publicBaseUrl}/>; rel="blocked-by"`);
      const enHtml = await en.text();
      expect(enHtml).toContain('The legal demand');
      expect(enHtml).toContain(
        'Copyright (Regulations on the Protection of the Right of Communication through Information Networks, Art. 14)',
      );
      expect(enHtml).toContain('<dd data-demand-requester>An agent acting for the rights holder</dd>');
      expect(enHtml).toMatch(/data-demand-date>\d{1,2} \w+ \d{4}<\/time>/);
      // The date is the decision's, as recorded on the item.
      const [{ at }] = await db.query<Array<{ at: Date }>>(
        `SELECT i.remedy_applied_at AS at FROM complaint_item i JOIN complaint c ON c.id = i.complaint_id WHERE c.reference = $1`,
        [reference],
      );
      expect(enHtml).toContain(`datetime="${at.toISOString()}"`);
      for (const html of [zhHtml, enHtml])
        noPersonalData(html, complaint, [
          'registration-certificate.pdf',
          'power-of-attorney.pdf',
          admin.email,
          mod.email,
        ]);
      // The staff who decided are not named either.
      expect(enHtml).not.toContain('Admin Seven');
      expect(enHtml).not.toContain('Mod Seven');
    });
  });

  describe('the content owner’s language (article.owner_locale)', () => {
    it('the CMS sets it (admin only, validated, audited); an en owner gets the English owner notice', async () => {
      expect((await api(null, 'PATCH', '/api/v1/articles/news-37', { ownerLocale: 'en' })).status).toBe(401);
      expect((await api(mod, 'PATCH', '/api/v1/articles/news-37', { ownerLocale: 'en' })).status).toBe(403);
      const bad = await api(admin2, 'PATCH', '/api/v1/articles/news-37', { ownerLocale: 'fr' });
      expect(bad.status).toBe(422);
      expect(await bad.json()).toMatchObject({ code: 'VALIDATION', details: [{ field: 'ownerLocale' }] });
      expect((await api(admin2, 'PATCH', '/api/v1/articles/no-such', { ownerLocale: 'en' })).status).toBe(404);
      const ok = await api(admin2, 'PATCH', '/api/v1/articles/news-37', { ownerLocale: 'en' });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ slug: 'news-37', ownerLocale: 'en' });
      const [audit] = await db.query<Array<{ actor_id: string; payload: Record<string, unknown> }>>(
        `SELECT actor_id, payload FROM audit_event WHERE action = 'article.owner_locale_changed' AND payload ->> 'slug' = 'news-37'
          ORDER BY id DESC LIMIT 1`,
      );
      expect(audit).toEqual({ actor_id: admin2.id, payload: { slug: 'news-37', from: 'zh-CN', to: 'en' } });

      const email = `owner${n++}-${Date.now()}@example.test`;
      const res = await api(null, 'POST', '/api/v1/complaints', {
        legalBasis: 'eu-dsa',
        locale: 'zh-CN',
        complainant: { name: '赵六', email },
        items: [{ articleUrl: article('news-37').url, kind: 'image', detail: article('news-37').images[0].id }],
        explanation: '这张图片违法。',
        declarations: { truthful: true, goodFaith: true },
      });
      const { reference } = (await res.json()) as { reference: string };
      await move(mod, reference, { to: 'in_review', version: 1 });
      await move(mod, reference, {
        to: 'actioned',
        version: 2,
        reason: 'The image is unlawful.',
        remedies: [{ item: 0, remedy: 'remove_image' }],
      });
      const ownerEmail = await ownerOf('news-37');
      const owner = await t.sink.waitFor(
        (m) => m.subject?.includes(reference) === true && t.sink.to(ownerEmail).includes(m),
      );
      // English, while the complainant (zh-CN) hears in Chinese.
      expect(owner.subject).toBe(`[${reference}] Notice of action taken on "${owner.subject?.split('"')[1]}"`);
      expect(owner.text).toMatch(/^Dear /);
      expect(owner.text).not.toMatch(/您好|此致/);
      // Their page opens in their language too.
      const link = /https?:\/\/\S+\/respond\/[A-Za-z0-9_-]{43}\?lang=en/.exec(owner.text ?? '')?.[0];
      expect(link).toBeDefined();
      const page = await (await fetch(link!)).text();
      expect(page).toContain('<html lang="en">');
      expect(String(owner.html)).toContain('<html lang="en">');
      const complainant = await t.sink.waitFor(
        (m) => m.subject === `[${reference}] 您的投诉处理结果：已采取措施` && t.sink.to(email).includes(m),
      );
      expect(complainant.text).toMatch(/赵六，您好/);
    });
  });
});

/** Every personal field of the complaint (and the file names) is absent from a public page. */
function noPersonalData(html: string, complaint: Record<string, unknown>, extra: string[]): void {
  const c = complaint.complainant as Record<string, string>;
  const w = complaint.originalWork as Record<string, string> | undefined;
  const values = [
    ...Object.values(c),
    complaint.explanation as string,
    ...(w ? Object.values(w) : []),
    // Item notes and passages (an image is named by its public id, which the page shows anyway).
    ...(complaint.items as Array<{ detail?: string }>)
      .map((i) => i.detail)
      .filter((d): d is string => !!d && !/^[0-9a-f-]{36}$/.test(d)),
    ...extra,
  ];
  for (const v of values) {
    expect([v, html.includes(v)]).toEqual([v, false]);
    // Nor an HTML-escaped copy of it.
    const escaped = v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;');
    expect([v, html.includes(escaped)]).toEqual([v, false]);
  }
}
