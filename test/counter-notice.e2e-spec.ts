import { PNG } from 'pngjs';
import type { ParsedMail } from 'mailparser';
import { DataSource } from 'typeorm';
import { Clock } from '../src/common/clock';
import { TimerWorker } from '../src/complaints/timer-worker';
import { MailWorker } from '../src/mail/mail-worker';
import { startTestApp, TestApp } from './helpers/app';
import { apiToken, createStaff, signIn } from './helpers/staff';

const png = (() => {
  const img = new PNG({ width: 8, height: 8 });
  img.data.fill(120);
  return PNG.sync.write(img);
})();

interface OwnerViewJson {
  items: Array<{ title: string }>;
  notice: { complainantName: string | null };
  can: { counterNotice: boolean; fix: boolean };
  fields: unknown[];
}

interface Article {
  slug: string;
  url: string;
  title: string;
  images: Array<{ id: string }>;
}

/**
 * Counter-notices, litigation hold and restoration over HTTP, with real PostgreSQL, the real
 * TimerWorker (its poll loop off: tests drive it and move the Clock) and the SMTP sink: every
 * new edge taken through the API, the mails it sends read back in both languages.
 */
describe('counter-notices and restoration (HTTP, PostgreSQL, SMTP)', () => {
  let t: TestApp;
  let db: DataSource;
  let clock: Clock;
  let worker: TimerWorker;
  let mod: string;
  let admin: string;
  let modEmail: string;
  let articles: Article[];
  let n = 0;
  const uniq = (tag: string) => `${tag}-${process.pid}-${Date.now()}-${n++}@example.test`;

  const api = (bearer: string | null, method: string, path: string, body?: unknown) =>
    fetch(`${t.baseUrl}${path}`, {
      method,
      headers: {
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
  const multipart = (path: string, fields: Record<string, string | string[]>, files = 1, lang?: string) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) form.append(k, x);
    for (let i = 0; i < files; i++)
      form.append('evidence', new Blob([new Uint8Array(png)], { type: 'image/png' }), `证明-${i}.png`);
    return fetch(`${t.baseUrl}${path}`, {
      method: 'POST',
      body: form,
      headers: lang ? { cookie: `lang=${lang}` } : {},
    });
  };
  const caseRow = async (reference: string) =>
    (
      await db.query<Array<{ id: string; state: string; version: number; restoration_due_at: Date | null }>>(
        `SELECT id, state, version, restoration_due_at FROM complaint WHERE reference = $1`,
        [reference],
      )
    )[0];
  const move = async (token: string, reference: string, body: Record<string, unknown>) => {
    const { version } = await caseRow(reference);
    return api(token, 'POST', `/api/v1/complaints/${reference}/transitions`, { version, ...body });
  };
  const mails = async (address: string, subject: string | RegExp): Promise<ParsedMail[]> => {
    await t.app.get(MailWorker).drain();
    return t.sink
      .to(address)
      .filter((m) => (typeof subject === 'string' ? m.subject?.includes(subject) : subject.test(m.subject ?? '')));
  };
  const one = async (address: string, subject: string | RegExp): Promise<ParsedMail> => {
    const list = await mails(address, subject);
    expect(list.map((m) => m.subject)).toHaveLength(1);
    return list[0];
  };
  const linkIn = (m: ParsedMail, path: 'respond' | 'track') => {
    const found = new RegExp(`/${path}/([A-Za-z0-9_-]{40,64})`).exec(m.text ?? '');
    if (!found) throw new Error(`no ${path} link in ${m.subject}`);
    return found[1];
  };
  const setNow = (at: Date) => jest.spyOn(clock, 'now').mockReturnValue(at);
  const article = (slug: string) => articles.find((a) => a.slug === slug) as Article;
  /** Gives articles an owner address of their own, so each owner's mail and link can be read back. */
  const own = async (slugs: string[], name: string) => {
    const email = uniq(name.toLowerCase().replace(/\W/g, ''));
    await db.query(`UPDATE article SET owner_email = $1, owner_name = $2 WHERE slug = ANY($3)`, [email, name, slugs]);
    return email;
  };

  /** A complaint under `basis`, claimed and upheld: items are image removals or corrections. */
  async function actioned(
    basis: 'cn-copyright' | 'cn-personal-rights' | 'us-dmca' | 'eu-dsa',
    locale: 'zh-CN' | 'en',
    items: Array<{ slug: string; image?: boolean }>,
  ) {
    const email = uniq('complainant');
    const name = locale === 'zh-CN' ? '王五' : 'Pat Roe';
    const body: Record<string, unknown> = {
      legalBasis: basis,
      locale,
      complainant: { name, email, phone: '+1 555 0100', address: '1 Main St, Springfield' },
      items: items.map((i) =>
        i.image
          ? { articleUrl: article(i.slug).url, kind: 'image', detail: article(i.slug).images[0].id }
          : { articleUrl: article(i.slug).url, kind: 'article' },
      ),
      explanation:
        locale === 'zh-CN' ? '文中图片为本人作品，未经许可使用。' : 'The photo is mine, used without licence.',
      originalWork: { description: locale === 'zh-CN' ? '本人拍摄的照片' : 'My photograph' },
      signature: name,
      declarations: { truthful: true, goodFaith: true, perjury: true },
    };
    const form = new FormData();
    form.set('complaint', JSON.stringify(body));
    form.append('evidence', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'proof.png');
    // 民法典 Art. 1195: a personal-rights notice carries a proof of identity (staff only).
    if (basis === 'cn-personal-rights')
      form.append('identity', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'id-card.png');
    const res = await fetch(`${t.baseUrl}/api/v1/complaints`, { method: 'POST', body: form });
    expect(res.status).toBe(201);
    const { reference, trackingUrl } = (await res.json()) as { reference: string; trackingUrl: string };
    expect((await move(mod, reference, { to: 'in_review' })).status).toBe(200);
    const up = await move(mod, reference, {
      to: 'actioned',
      reason: locale === 'zh-CN' ? '图片侵犯投诉人著作权。' : 'The photo infringes the complainant’s copyright.',
      remedies: items.map((i, item) => ({
        item,
        remedy: i.image ? 'remove_image' : 'add_correction',
        text: 'Corrected.',
      })),
    });
    expect(up.status).toBe(200);
    return { reference, email, name, trackingToken: trackingUrl.split('/track/')[1] };
  }

  const cnCopyrightNotice = (items: string[]) => ({
    items,
    name: 'Demo News Photo Desk',
    contact: 'photo-desk-phone-555-0199',
    address: '200 Hankou Road, Shanghai',
    workTitle: 'Forum photograph',
    statement: 'We took this photograph ourselves; the contract is attached.',
    truthful: 'true',
  });

  beforeAll(async () => {
    t = await startTestApp({ TIMER_WORKER: 'false' });
    db = t.app.get(DataSource);
    clock = t.app.get(Clock);
    worker = t.app.get(TimerWorker);
    const m = await createStaff(db, { role: 'moderator' });
    modEmail = m.email;
    mod = await apiToken(db, m.email);
    admin = await apiToken(db, (await createStaff(db, { role: 'admin' })).email);
    articles = ((await (await fetch(`${t.baseUrl}/api/v1/articles?limit=200`)).json()) as { items: Article[] }).items;
  });

  afterEach(() => jest.restoreAllMocks());
  afterAll(async () => {
    await t?.close();
  });

  const withImage = () => articles.filter((a) => a.images.length);

  it('each owner’s link shows only their items, and the notice as its basis forwards it', async () => {
    const [a, b] = withImage();
    const ownerA = await own([a.slug], 'Desk A');
    const ownerB = await own([b.slug], 'Desk B');
    const c = await actioned('cn-copyright', 'zh-CN', [{ slug: a.slug, image: true }, { slug: b.slug }]);
    const tokenA = linkIn(await one(ownerA, c.reference), 'respond');
    const tokenB = linkIn(await one(ownerB, c.reference), 'respond');
    const viewA = (await (await api(null, 'GET', `/api/v1/respond/${tokenA}`)).json()) as OwnerViewJson;
    expect(viewA.items.map((i: { title: string }) => i.title)).toEqual([a.title]);
    // 条例 Art. 15 forwards the notice: the sender's name and the work, never their address or email.
    expect(viewA.notice).toMatchObject({ complainantName: c.name, work: { description: '本人拍摄的照片' } });
    expect(JSON.stringify(viewA)).not.toContain(c.email);
    expect(JSON.stringify(viewA)).not.toContain('Main St');
    expect(viewA.can).toEqual({ counterNotice: true, fix: true });
    const pageB = await (await fetch(`${t.baseUrl}/respond/${tokenB}?lang=en`)).text();
    expect(pageB).toContain(b.title);
    expect(pageB).not.toContain(a.title);
    expect(pageB).toContain('File the counter-notice');
    // B files a counter-notice about A's item: nothing of A's can be chosen.
    const res = await api(null, 'POST', `/api/v1/respond/${tokenB}/counter-notice`, cnCopyrightNotice(['0']));
    expect(res.status).toBe(422);
    expect(((await res.json()) as { details: Array<{ field: string }> }).details.map((d) => d.field)).toContain(
      'items',
    );
  });

  it('eu-dsa: no counter-notice (an appeal is the route), and the sender is not named', async () => {
    const [, , x] = withImage();
    const owner = await own([x.slug], 'Desk DSA');
    const c = await actioned('eu-dsa', 'en', [{ slug: x.slug, image: true }]);
    const token = linkIn(await one(owner, c.reference), 'respond');
    const view = (await (await api(null, 'GET', `/api/v1/respond/${token}`)).json()) as OwnerViewJson;
    expect(view.notice.complainantName).toBeNull();
    expect(view.can.counterNotice).toBe(false);
    expect(view.fields).toEqual([]);
    const res = await api(null, 'POST', `/api/v1/respond/${token}/counter-notice`, { items: ['0'], name: 'X' });
    expect(res.status).toBe(409);
    const page = await (await fetch(`${t.baseUrl}/respond/${token}?lang=en`)).text();
    expect(page).toContain('This decision has no counter-notice procedure');
    expect(page).not.toContain(c.name);
  });

  it('missing fields are field errors: 422 on the API, and on the page in the owner’s language', async () => {
    const [, , , x] = withImage();
    const owner = await own([x.slug], 'Desk Fields');
    const c = await actioned('us-dmca', 'en', [{ slug: x.slug, image: true }]);
    const token = linkIn(await one(owner, c.reference), 'respond');
    const res = await api(null, 'POST', `/api/v1/respond/${token}/counter-notice`, { items: ['0'], name: 'Sam' });
    expect(res.status).toBe(422);
    const err = (await res.json()) as { code: string; details: Array<{ field: string }> };
    expect(err.code).toBe('VALIDATION');
    expect(err.details.map((d) => d.field).sort()).toEqual(
      ['address', 'consent', 'material', 'perjury', 'phone', 'signature'].sort(),
    );
    // The page: a form post without a CSRF token is refused; with one, errors name each field.
    const get = await fetch(`${t.baseUrl}/respond/${token}?lang=zh-CN`);
    const html = await get.text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] as string;
    const cookie = (get.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
    const form = new FormData();
    form.set('_csrf', csrf);
    form.append('items', '0');
    form.set('name', 'Sam');
    const posted = await fetch(`${t.baseUrl}/respond/${token}/counter-notice`, {
      method: 'POST',
      body: form,
      headers: { cookie: `${cookie}; lang=zh-CN` },
    });
    expect(posted.status).toBe(422);
    const page = await posted.text();
    expect(page).toContain('依法须作出伪证责任声明');
    expect(page).toContain('请输入全名作为签名');
    expect(page).toContain('value="Sam"');
    expect((await caseRow(c.reference)).state).toBe('actioned');
  });

  it('cn-copyright: incomplete, invalid, then valid; restored at the next timer run; every mail read back', async () => {
    const [, , , , x] = withImage();
    const owner = await own([x.slug], 'Photo Desk');
    const c = await actioned('cn-copyright', 'zh-CN', [{ slug: x.slug, image: true }]);
    const token = linkIn(await one(owner, c.reference), 'respond');

    // A fix first: recorded for a moderator, no state change.
    const fix = await multipart(`/api/v1/respond/${token}/fix`, { fix: 'We replaced the caption.' }, 1);
    expect(fix.status).toBe(200);
    const [resp] = await db.query<Array<{ author: string; files: number }>>(
      `SELECT r.author, cardinality(r.file_ids) AS files FROM complaint_response r JOIN complaint c ON c.id = r.complaint_id
        WHERE c.reference = $1`,
      [c.reference],
    );
    expect(resp).toEqual({ author: 'content_owner', files: 1 });
    expect((await one(modEmail, /内容方提交了修改/)).text).toContain('We replaced the caption.');
    expect((await caseRow(c.reference)).state).toBe('actioned');

    // The counter-notice, filed in English (the owner's page language), with proof.
    const file = () =>
      multipart(`/api/v1/respond/${token}/counter-notice`, { ...cnCopyrightNotice(['0']), locale: 'en' });
    const filed = await file();
    expect(filed.status).toBe(201);
    expect(await filed.json()).toMatchObject({ state: 'counter_notice_review' });
    expect((await one(modEmail, /不侵权声明，请审核/)).text).toContain('We took this photograph ourselves');
    // A second one while the first is under review is refused.
    expect((await file()).status).toBe(409);

    // Incomplete: the owner is told what is missing (in English), the case is actioned again.
    const incomplete = await move(mod, c.reference, {
      to: 'actioned',
      action: 'counter_notice_incomplete',
      missing: ['the licence contract signed by both parties'],
    });
    expect(incomplete.status).toBe(200);
    const asked = await one(owner, 'Your counter-notice is incomplete');
    expect(asked.text).toContain('the licence contract signed by both parties');
    expect(asked.text).toContain(`${t.baseUrl}/respond/`);

    // Invalid, with reasons.
    expect((await file()).status).toBe(201);
    expect((await move(mod, c.reference, { to: 'actioned', action: 'counter_notice_invalid' })).status).toBe(422);
    const invalid = await move(mod, c.reference, {
      to: 'actioned',
      action: 'counter_notice_invalid',
      reason: 'The contract covers another photograph.',
    });
    expect(invalid.status).toBe(200);
    expect((await one(owner, 'was not accepted')).text).toContain('The contract covers another photograph.');

    // Valid: restoration promptly (条例 Art. 17, 0 working days by default), both told.
    expect((await file()).status).toBe(201);
    const decidedAt = new Date();
    setNow(decidedAt);
    const valid = await move(mod, c.reference, { to: 'restoration_pending' });
    expect(valid.status).toBe(200);
    const row = await caseRow(c.reference);
    expect(row.state).toBe('restoration_pending');
    expect(new Date(row.restoration_due_at as Date).getTime()).toBe(decidedAt.getTime());
    const toComplainant = await one(c.email, '内容方提交了不侵权声明');
    expect(toComplainant.text).toContain('Demo News Photo Desk');
    expect(toComplainant.text).toContain('200 Hankou Road, Shanghai');
    expect(toComplainant.text).toContain('《信息网络传播权保护条例》第十七条');
    // The owner's contact stays with the desk.
    expect(toComplainant.text).not.toContain('photo-desk-phone-555-0199');
    expect(toComplainant.text).not.toContain(owner);
    const trackToken = linkIn(toComplainant, 'track');
    expect((await one(owner, 'Your counter-notice was accepted')).text).toContain('We will restore the content on');
    const [timer] = await db.query<Array<{ kind: string; done_at: Date | null }>>(
      `SELECT kind, done_at FROM case_timer WHERE complaint_id = $1 AND kind = 'restoration_due'`,
      [row.id],
    );
    expect(timer).toEqual({ kind: 'restoration_due', done_at: null });
    // The tracking page shows the date.
    const tracked = await (await fetch(`${t.baseUrl}/track/${trackToken}?lang=zh-CN`)).text();
    expect(tracked).toContain('恢复日期');

    // Staff see the counter-notice in full (the owner's contact too) and its files, on the API and the case page.
    const view = (await (await api(mod, 'GET', `/api/v1/complaints/${c.reference}`)).json()) as {
      counterNotice: {
        counterNotices: Array<{ status: string; fields: Array<{ key: string; value: unknown }>; files: unknown[] }>;
      };
      actions: Array<{ kind: string }>;
    };
    expect(view.counterNotice.counterNotices.map((x) => x.status)).toEqual(['valid', 'invalid', 'incomplete']);
    expect(view.counterNotice.counterNotices[0].fields).toContainEqual({
      key: 'contact',
      value: 'photo-desk-phone-555-0199',
    });
    expect(view.counterNotice.counterNotices[0].files).toHaveLength(1);
    const session = await signIn(t.baseUrl, modEmail);
    const casePage = await (
      await fetch(`${t.baseUrl}/staff/complaints/${c.reference}?lang=en`, { headers: { cookie: session.cookie } })
    ).text();
    expect(casePage).toContain('Counter-notices and proofs of a suit');
    expect(casePage).toContain('photo-desk-phone-555-0199');

    // Nobody restores by hand: staff have no such edge.
    expect((await move(admin, c.reference, { to: 'restored' })).status).toBe(403);

    // The timer restores at its next run: the image is visible again, both parties told once.
    setNow(new Date(decidedAt.getTime() + 1000));
    await worker.drain();
    expect((await caseRow(c.reference)).state).toBe('restored');
    const [img] = await db.query<Array<{ status: string }>>(`SELECT status FROM article_image WHERE id = $1`, [
      x.images[0].id,
    ]);
    expect(img.status).toBe('visible');
    expect((await one(c.email, '相关内容已恢复')).text).toContain('依照法律规定，我们已恢复以下内容');
    expect((await one(owner, 'The content has been restored')).text).toContain(x.title);
    await worker.drain();
    expect(await mails(owner, 'The content has been restored')).toHaveLength(1);
  });

  it('us-dmca: 10 US business days from receipt across Thanksgiving; proof refused, then accepted; an admin ends the hold', async () => {
    const [, , , , , x, y] = withImage();
    const owner = await own([x.slug, y.slug], 'Wire Desk');
    const c = await actioned('us-dmca', 'en', [{ slug: x.slug, image: true }]);
    const token = linkIn(await one(owner, c.reference), 'respond');
    // Received Friday 20 Nov 2026, 10:00 in New York.
    setNow(new Date('2026-11-20T15:00:00Z'));
    const filed = await api(null, 'POST', `/api/v1/respond/${token}/counter-notice`, {
      items: [0],
      name: 'Sam Wire',
      address: '5 Press Row, Albany NY',
      phone: '+1 518 555 0123',
      material: `The photograph at ${x.url}`,
      perjury: true,
      consent: true,
      signature: 'Sam Wire',
      locale: 'en',
    });
    expect(filed.status).toBe(201);
    setNow(new Date('2026-11-23T15:00:00Z'));
    expect((await move(mod, c.reference, { to: 'restoration_pending' })).status).toBe(200);
    // Thanksgiving (26 Nov) is skipped: the 10th business day is Mon 7 Dec; restored when it has ended in New York.
    expect((await caseRow(c.reference)).restoration_due_at).toEqual(new Date('2026-12-08T05:00:00Z'));
    const accepted = await one(c.email, 'The content owner contests the removal');
    expect(accepted.text).toContain('Sam Wire');
    expect(accepted.text).toContain('17 U.S.C. 512(g)(2)(C)');
    expect(accepted.text).not.toContain('+1 518 555 0123');
    const trackToken = linkIn(accepted, 'track');

    // The timer does not fire before the date.
    setNow(new Date('2026-12-08T04:59:00Z'));
    await worker.drain();
    expect((await caseRow(c.reference)).state).toBe('restoration_pending');

    // Proof of a suit: the first is refused with reasons (the case stays), the second accepted.
    expect((await multipart(`/api/v1/track/${trackToken}/litigation-proof`, { note: 'Case 1' }, 0)).status).toBe(422);
    expect(
      (await multipart(`/api/v1/track/${trackToken}/litigation-proof`, { note: 'Filed in N.D.N.Y.' })).status,
    ).toBe(201);
    expect((await one(modEmail, /起诉或投诉的证明/)).text).toContain('Filed in N.D.N.Y.');
    const refused = await api(mod, 'POST', `/api/v1/complaints/${c.reference}/litigation-proof/refuse`, {
      reason: 'The document is a draft complaint, not a filed action.',
    });
    expect(refused.status).toBe(200);
    expect((await caseRow(c.reference)).state).toBe('restoration_pending');
    const refusal = await one(c.email, 'We could not accept your proof');
    expect(refusal.text).toContain('not a filed action');
    expect(refusal.text).toContain('08/12/2026');
    expect((await move(mod, c.reference, { to: 'litigation_hold' })).status).toBe(409);

    expect((await multipart(`/api/v1/track/${trackToken}/litigation-proof`, { note: 'Docket 1:26-cv-1' })).status).toBe(
      201,
    );
    expect((await move(mod, c.reference, { to: 'litigation_hold' })).status).toBe(200);
    const hold = await caseRow(c.reference);
    expect(hold).toMatchObject({ state: 'litigation_hold', restoration_due_at: null });
    const [timer] = await db.query<Array<{ outcome: string }>>(
      `SELECT outcome FROM case_timer WHERE complaint_id = $1 AND kind = 'restoration_due'`,
      [hold.id],
    );
    expect(timer.outcome).toBe('cancelled');
    expect((await one(c.email, 'Restoration is on hold')).text).toContain('accepted it');
    expect((await one(owner, 'Restoration is on hold')).text).toContain('has shown us that they have sued');
    // The date passing changes nothing.
    setNow(new Date('2026-12-20T00:00:00Z'));
    await worker.drain();
    expect((await caseRow(c.reference)).state).toBe('litigation_hold');

    // Only an admin ends the hold, with reasons.
    expect((await move(mod, c.reference, { to: 'restored', reason: 'Dismissed.' })).status).toBe(403);
    expect((await move(admin, c.reference, { to: 'restored' })).status).toBe(422);
    expect((await move(admin, c.reference, { to: 'restored', reason: 'The court dismissed the action.' })).status).toBe(
      200,
    );
    const [img] = await db.query<Array<{ status: string }>>(`SELECT status FROM article_image WHERE id = $1`, [
      x.images[0].id,
    ]);
    expect(img.status).toBe('visible');
    expect((await one(c.email, 'the content is restored')).text).toContain('The court dismissed the action.');
    expect((await one(owner, 'the content is restored')).text).toContain('The court dismissed the action.');

    // The other outcome: the hold ends with the case closed, the content stays removed.
    const d = await actioned('us-dmca', 'en', [{ slug: y.slug, image: true }]);
    const tokenD = linkIn(await one(owner, d.reference), 'respond');
    setNow(new Date('2026-11-20T15:00:00Z'));
    expect(
      (
        await api(null, 'POST', `/api/v1/respond/${tokenD}/counter-notice`, {
          items: [0],
          name: 'Sam Wire',
          address: '5 Press Row, Albany NY',
          phone: '+1 518 555 0123',
          material: 'The photograph',
          perjury: 'on',
          consent: 'on',
          signature: 'Sam Wire',
        })
      ).status,
    ).toBe(201);
    expect((await move(mod, d.reference, { to: 'restoration_pending' })).status).toBe(200);
    const trackD = linkIn(await one(d.email, 'The content owner contests the removal'), 'track');
    expect((await multipart(`/api/v1/track/${trackD}/litigation-proof`, {})).status).toBe(201);
    expect((await move(mod, d.reference, { to: 'litigation_hold' })).status).toBe(200);
    expect(
      (await move(admin, d.reference, { to: 'closed', reason: 'The court ordered the photo kept down.' })).status,
    ).toBe(200);
    const [imgD] = await db.query<Array<{ status: string }>>(`SELECT status FROM article_image WHERE id = $1`, [
      y.images[0].id,
    ]);
    expect(imgD.status).toBe('removed');
    // The owner filed in no language of their own (API default): Chinese.
    expect((await one(owner, '内容继续删除，本案结案')).text).toContain('The court ordered the photo kept down.');
    expect((await one(d.email, 'the content stays removed')).text).toContain('The court ordered the photo kept down.');
  });

  it('cn-personal-rights: 15 days that end in 国庆 move to the first working day after it', async () => {
    const [, , , , , , , x] = withImage();
    const owner = await own([x.slug], '人物版编辑');
    const c = await actioned('cn-personal-rights', 'zh-CN', [{ slug: x.slug, image: true }]);
    const token = linkIn(await one(owner, c.reference), 'respond');
    setNow(new Date('2026-09-15T03:00:00Z'));
    expect(
      (
        await multipart(`/api/v1/respond/${token}/counter-notice`, {
          items: '0',
          name: '赵六',
          contact: '138 0000 0000',
          address: '上海市黄浦区汉口路 300 号',
          statement: '照片系经本人同意拍摄并发表。',
          truthful: 'on',
        })
      ).status,
    ).toBe(201);
    setNow(new Date('2026-09-16T03:00:00Z'));
    expect((await move(mod, c.reference, { to: 'restoration_pending' })).status).toBe(200);
    // 16 Sep + 15 days = 1 Oct, inside the holiday (1–7 Oct): the period ends on 8 Oct; restored at 9 Oct 00:00 Beijing.
    expect((await caseRow(c.reference)).restoration_due_at).toEqual(new Date('2026-10-08T16:00:00Z'));
    const mail = await one(c.email, '内容方提交了不侵权声明');
    expect(mail.text).toContain('《民法典》第一千一百九十六条');
    expect(mail.text).toContain('赵六');
    expect(mail.text).not.toContain('138 0000 0000');
    expect((await one(owner, '您的不侵权声明已受理')).text).toContain('2026');
    setNow(new Date('2026-10-08T15:59:00Z'));
    await worker.drain();
    expect((await caseRow(c.reference)).state).toBe('restoration_pending');
    setNow(new Date('2026-10-08T16:00:01Z'));
    await worker.drain();
    expect((await caseRow(c.reference)).state).toBe('restored');
    expect(await mails(c.email, '相关内容已恢复')).toHaveLength(1);
    expect(await mails(owner, '相关内容已恢复')).toHaveLength(1);
  });

  it('the assignee hears of the owner’s fix and counter-notice in their own language (staff_user.locale)', async () => {
    const [x] = withImage().slice(3, 4);
    const owner = await own([x.slug], 'Photo Desk English');
    const c = await actioned('cn-copyright', 'zh-CN', [{ slug: x.slug, image: true }]);
    const token = linkIn(await one(owner, c.reference), 'respond');
    await db.query(`UPDATE staff_user SET locale = 'en' WHERE email = $1`, [modEmail]);
    try {
      expect((await multipart(`/api/v1/respond/${token}/fix`, { fix: 'We replaced the caption.' }, 1)).status).toBe(
        200,
      );
      const fix = await one(modEmail, `[${c.reference}] The content owner sent a fix`);
      expect(fix.text).toContain('We replaced the caption.');
      const filed = await multipart(`/api/v1/respond/${token}/counter-notice`, {
        ...cnCopyrightNotice(['0']),
        locale: 'en',
      });
      expect(filed.status).toBe(201);
      await one(modEmail, `[${c.reference}] Counter-notice filed: review it`);
      expect(await mails(modEmail, c.reference)).toHaveLength(2);
    } finally {
      await db.query(`UPDATE staff_user SET locale = 'zh-CN' WHERE email = $1`, [modEmail]);
    }
  });

  it('restoration reverses only the items the counter-notice names; another owner’s stay as decided', async () => {
    const [x, y] = withImage().slice(8, 10);
    expect(y).toBeDefined();
    const ownerX = await own([x.slug], 'Desk X');
    await own([y.slug], 'Desk Y');
    const c = await actioned('cn-copyright', 'en', [
      { slug: x.slug, image: true },
      { slug: y.slug, image: true },
    ]);
    const token = linkIn(await one(ownerX, c.reference), 'respond');
    expect((await multipart(`/api/v1/respond/${token}/counter-notice`, cnCopyrightNotice(['0']))).status).toBe(201);
    const decided = new Date();
    setNow(decided);
    expect((await move(mod, c.reference, { to: 'restoration_pending' })).status).toBe(200);
    setNow(new Date(decided.getTime() + 1000));
    await worker.drain();
    expect((await caseRow(c.reference)).state).toBe('restored');
    const status = async (a: Article) =>
      (await db.query<Array<{ status: string }>>(`SELECT status FROM article_image WHERE id = $1`, [a.images[0].id]))[0]
        .status;
    expect(await status(x)).toBe('visible');
    expect(await status(y)).toBe('removed');
    const restored = await one(ownerX, '相关内容已恢复');
    expect(restored.text).toContain(x.title);
    expect(restored.text).not.toContain(y.title);
  });

  it('staff routes need staff; the pages’ forms need their CSRF token', async () => {
    const anon = await api(null, 'POST', '/api/v1/complaints/ND-2026-000001/litigation-proof/refuse', { reason: 'x' });
    expect(anon.status).toBe(401);
    const [x] = withImage().slice(10, 11).length ? withImage().slice(10, 11) : withImage().slice(0, 1);
    const owner = await own([x.slug], 'Desk CSRF');
    const c = await actioned('us-dmca', 'en', [{ slug: x.slug }]);
    const token = linkIn(await one(owner, c.reference), 'respond');
    const form = new FormData();
    form.set('fix', 'A fix');
    const res = await fetch(`${t.baseUrl}/respond/${token}/fix`, { method: 'POST', body: form });
    expect(res.status).toBe(403);
    const cn = await fetch(`${t.baseUrl}/respond/${token}/counter-notice`, { method: 'POST', body: form });
    expect(cn.status).toBe(403);
    expect((await caseRow(c.reference)).state).toBe('actioned');
    const track = await fetch(`${t.baseUrl}/track/${c.trackingToken}/litigation-proof`, { method: 'POST', body: form });
    expect(track.status).toBe(403);
    // A proof is only taken while restoration is pending.
    expect((await multipart(`/api/v1/track/${c.trackingToken}/litigation-proof`, {})).status).toBe(409);
  });

  it('proof sent before the restoration ran holds it past its date until reviewed; refused, the next run restores', async () => {
    const [, , , , , , , , , z] = withImage();
    const owner = await own([z.slug], 'Proof Desk');
    const c = await actioned('cn-copyright', 'zh-CN', [{ slug: z.slug }]);
    const token = linkIn(await one(owner, c.reference), 'respond');
    expect(
      (await multipart(`/api/v1/respond/${token}/counter-notice`, { ...cnCopyrightNotice(['0']), locale: 'en' }))
        .status,
    ).toBe(201);
    const decidedAt = new Date();
    setNow(decidedAt);
    expect((await move(mod, c.reference, { to: 'restoration_pending' })).status).toBe(200);
    const trackToken = linkIn(await one(c.email, '内容方提交了不侵权声明'), 'track');
    // Filed at the due moment, before the timer ran: taken, and the date passing restores nothing.
    expect((await multipart(`/api/v1/track/${trackToken}/litigation-proof`, { note: 'Filed in court' })).status).toBe(
      201,
    );
    setNow(new Date(decidedAt.getTime() + 3 * 86_400_000));
    await worker.drain();
    const waiting = await caseRow(c.reference);
    expect(waiting.state).toBe('restoration_pending');
    const timers = await db.query<Array<{ done_at: Date | null; attempts: number }>>(
      `SELECT done_at, attempts FROM case_timer WHERE complaint_id = $1 AND kind = 'restoration_due'`,
      [waiting.id],
    );
    expect(timers).toEqual([{ done_at: null, attempts: 0 }]);
    // Refused with reasons: the overdue timer restores at the next run.
    const refused = await api(mod, 'POST', `/api/v1/complaints/${c.reference}/litigation-proof/refuse`, {
      reason: 'Not a court document.',
    });
    expect(refused.status).toBe(200);
    await worker.drain();
    expect((await caseRow(c.reference)).state).toBe('restored');
  });

  it('a fix sent while the case is being closed is refused under the case lock, nothing stored', async () => {
    const [, , , , , , , , y] = withImage();
    const owner = await own([y.slug], 'Race Desk');
    const c = await actioned('cn-copyright', 'zh-CN', [{ slug: y.slug }]);
    const token = linkIn(await one(owner, c.reference), 'respond');
    const { id } = await caseRow(c.reference);
    // Another transaction holds the case and closes it while the owner's fix is on its way.
    const other = db.createQueryRunner();
    await other.connect();
    await other.startTransaction();
    try {
      await other.query(`SELECT id FROM complaint WHERE id = $1 FOR UPDATE`, [id]);
      const fix = multipart(`/api/v1/respond/${token}/fix`, { fix: 'Replaced the photo.' }, 1);
      await new Promise((r) => setTimeout(r, 400));
      await other.query(`UPDATE complaint SET state = 'closed' WHERE id = $1`, [id]);
      await other.commitTransaction();
      expect((await fix).status).toBe(409);
    } finally {
      if (other.isTransactionActive) await other.rollbackTransaction();
      await other.release();
    }
    const rows = await db.query<Array<{ n: string }>>(
      `SELECT (SELECT count(*) FROM complaint_response WHERE complaint_id = $1) +
              (SELECT count(*) FROM evidence_file WHERE complaint_id = $1 AND purpose = 'response') AS n`,
      [id],
    );
    expect(rows[0].n).toBe('0');
  });

  it('the complainant withdraws while restoration is pending: the timer stops, what stood is reversed, the owner is told', async () => {
    const [, , , , , , , z] = withImage();
    const owner = await own([z.slug], 'Photo Desk');
    const c = await actioned('us-dmca', 'en', [{ slug: z.slug, image: true }]);
    const token = linkIn(await one(owner, c.reference), 'respond');
    setNow(new Date('2026-11-20T15:00:00Z'));
    const filed = await api(null, 'POST', `/api/v1/respond/${token}/counter-notice`, {
      items: [0],
      name: 'Kim Lens',
      address: '9 Press Row, Albany NY',
      phone: '+1 518 555 0199',
      material: `The photograph at ${z.url}`,
      perjury: true,
      consent: true,
      signature: 'Kim Lens',
      locale: 'en',
    });
    expect(filed.status).toBe(201);
    expect((await move(mod, c.reference, { to: 'restoration_pending' })).status).toBe(200);
    const trackToken = linkIn(await one(c.email, 'The content owner contests the removal'), 'track');

    // Two proofs filed at once queue up on the case: both taken, the later one pending.
    const both = await Promise.all([
      multipart(`/api/v1/track/${trackToken}/litigation-proof`, { note: 'First filing' }),
      multipart(`/api/v1/track/${trackToken}/litigation-proof`, { note: 'Second filing' }),
    ]);
    expect(both.map((r) => r.status)).toEqual([201, 201]);
    const proofs = await db.query<Array<{ status: string }>>(
      `SELECT status FROM litigation_proof WHERE complaint_id = (SELECT id FROM complaint WHERE reference = $1)`,
      [c.reference],
    );
    expect(proofs.map((p) => p.status).sort()).toEqual(['pending', 'refused']);
    // The tracking page read now, its form sent after the withdrawal below.
    const before = await fetch(`${t.baseUrl}/track/${trackToken}?lang=en&withdraw=confirm`);
    const pageCsrf = /name="_csrf" value="([^"]+)"/.exec(await before.text())?.[1] as string;
    const pageCookie = (before.headers.getSetCookie?.() ?? []).map((x) => x.split(';')[0]).join('; ');
    expect(pageCsrf).toBeTruthy();

    const withdrawn = await api(null, 'POST', `/api/v1/track/${trackToken}/withdraw`, { confirm: true });
    expect(withdrawn.status).toBe(200);
    const row = await caseRow(c.reference);
    expect(row.state).toBe('withdrawn');
    const timers = await db.query<Array<{ kind: string; outcome: string | null }>>(
      `SELECT kind, outcome FROM case_timer WHERE complaint_id = $1 ORDER BY created_at`,
      [row.id],
    );
    expect(timers.find((x) => x.kind === 'restoration_due')?.outcome).toBe('cancelled');
    const [img] = await db.query<Array<{ status: string }>>(`SELECT status FROM article_image WHERE id = $1`, [
      z.images[0].id,
    ]);
    expect(img.status).toBe('visible');
    expect((await one(owner, /withdrawn|已撤回/)).text).toContain(c.reference);
    // Later the restoration date passes without effect, and the withdrawn case closes after
    // WITHDRAWN_CLOSE_DAYS; nobody is told the content was restored by the timer.
    setNow(new Date('2026-12-20T00:00:00Z'));
    await worker.drain();
    expect((await caseRow(c.reference)).state).toBe('closed');
    expect(await mails(c.email, 'the content is restored')).toHaveLength(0);
    // A proof after the case left restoration_pending is refused.
    expect((await multipart(`/api/v1/track/${trackToken}/litigation-proof`, { note: 'Late' })).status).toBe(409);
    // From the page: the same refusal, said beside the section (not an error page), nothing stored.
    const late = new FormData();
    late.set('_csrf', pageCsrf);
    late.set('note', 'Late from the page');
    late.append('evidence', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'late.png');
    const posted = await fetch(`${t.baseUrl}/track/${trackToken}/litigation-proof`, {
      method: 'POST',
      body: late,
      headers: { cookie: `${pageCookie}; lang=en` },
    });
    expect(posted.status).toBe(409);
    const latePage = await posted.text();
    expect(latePage).toContain('Restoration is no longer pending on this complaint');
    expect(latePage).toContain('id="litigation"');
    const count = await db.query<Array<{ n: string }>>(
      `SELECT count(*) AS n FROM litigation_proof WHERE complaint_id = (SELECT id FROM complaint WHERE reference = $1)`,
      [c.reference],
    );
    expect(count[0].n).toBe('2');
  });
});
