import type { ParsedMail } from 'mailparser';
import { DataSource } from 'typeorm';
import { StaffLocale1766910000000 } from '../migrations/1766910000000-StaffLocale';
import { AuditSealer } from '../src/audit/audit-sealer.service';
import { SlaDigestWorker } from '../src/complaints/sla-digest.worker';
import { IntegrityService } from '../src/integrity/integrity.service';
import { MailWorker } from '../src/mail/mail-worker';
import { startTestApp, TestApp } from './helpers/app';
import { fileComplaint } from './helpers/filing';
import { createStaff, setCookies, signIn, StaffSession, TestStaff, tokenStaff } from './helpers/staff';

/**
 * Staff read their mail in their own language (staff_user.locale): the digests that go to every
 * admin at once, one copy per admin in theirs, CONTACT_EMAIL in Chinese; the assignee's case
 * notices; invitations, whose locale the account keeps; and the choice on /staff/account (form
 * with CSRF, and PUT /api/v1/session/locale). Everything through the real app and the SMTP sink.
 */
describe('staff locale: every staff mail in its reader’s language (real PostgreSQL, SMTP sink)', () => {
  let t: TestApp;
  let db: DataSource;
  let adminEn: TestStaff;
  let adminZh: TestStaff;
  let zhSession: StaffSession;
  let articleUrl: string;
  const CONTACT = 'desk@example.test';

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    adminEn = await createStaff(db, { role: 'admin', displayName: 'Ada Admin', locale: 'en' });
    adminZh = await createStaff(db, { role: 'admin', displayName: '王管理' });
    zhSession = await signIn(t.baseUrl, adminZh.email, adminZh.password);
    const list = (await (await fetch(`${t.baseUrl}/api/v1/articles?limit=1`)).json()) as {
      items: Array<{ url: string }>;
    };
    articleUrl = list.items[0].url;
  });

  afterAll(async () => {
    await t?.close();
  });

  const drainMail = () => t.app.get(MailWorker).drain();
  const localeOf = async (id: string) =>
    (await db.query<Array<{ locale: string }>>(`SELECT locale FROM staff_user WHERE id = $1`, [id]))[0]?.locale;
  const form = (path: string, cookie: string, fields: Record<string, string>) =>
    fetch(`${t.baseUrl}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
    });
  const json = (method: string, path: string, headers: Record<string, string>, body?: unknown) =>
    fetch(`${t.baseUrl}${path}`, {
      method,
      redirect: 'manual',
      headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });

  it('the scheduled integrity check mails each admin the seal digest in their language, CONTACT_EMAIL in Chinese', async () => {
    await t.app.get(AuditSealer).sealNow();
    const run = await t.app.get(IntegrityService).runScheduled();
    expect(run).toMatchObject({ ok: true, triggeredBy: 'schedule' });
    const hash = run?.lastHash as string;
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    await drainMail();
    const digest = (address: string): ParsedMail[] =>
      t.sink.to(address).filter((m) => m.subject?.includes(hash) === true);

    const [en] = digest(adminEn.email);
    expect(en.subject).toBe(`Audit trail intact: seal hash ${hash}`);
    expect(en.text).toContain('Notice Desk · Audit trail integrity');
    expect(en.text).not.toMatch(/[\u4e00-\u9fff]/);
    for (const address of [adminZh.email, CONTACT]) {
      const [zh] = digest(address);
      expect([address, zh.subject]).toEqual([address, `审计日志完整：封存哈希 ${hash}`]);
    }
    // One message each, nobody else.
    expect(t.sink.messages.filter((m) => m.subject?.includes(hash) === true)).toHaveLength(3);
  });

  it('the deadline digest reaches each admin in their language', async () => {
    const { reference } = await fileComplaint(t.baseUrl, { items: [{ articleUrl, kind: 'article' }] });
    await db.query(`UPDATE complaint SET due_at = now() - interval '3 hours 10 minutes' WHERE reference = $1`, [
      reference,
    ]);
    await t.app.get(SlaDigestWorker).drain();
    await drainMail();
    const digest = (address: string) =>
      t.sink
        .to(address)
        .filter((m) => m.subject?.startsWith(`[${reference}]`) && /Deadline report|超期提醒/.test(m.subject));
    const en = digest(adminEn.email);
    const zh = digest(adminZh.email);
    expect(en.map((m) => m.subject)).toEqual([`[${reference}] Deadline report: 1 case(s) past their due time`]);
    expect(zh.map((m) => m.subject)).toEqual([`[${reference}] 超期提醒：1 件案件已超过处理期限`]);
    expect(en[0].text).toContain('Notice Desk · Deadline report');
    // Admins exist, so the contact address is not told.
    expect(digest(CONTACT)).toHaveLength(0);
  });

  it('PUT /api/v1/session/locale sets the caller’s language; the assignee then hears of an answer in it', async () => {
    const mod = await tokenStaff(db, 'moderator', 'Mo Reader');
    const bearer = { authorization: `Bearer ${mod.token}` };
    const bad = await json('PUT', '/api/v1/session/locale', bearer, { locale: 'fr' });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { details: Array<{ field: string }> }).details[0].field).toBe('locale');
    expect(await localeOf(mod.id)).toBe('zh-CN');
    // Two calls at once (a double click, a retried script): both answer, the change is made and audited once.
    const both = await Promise.all([1, 2].map(() => json('PUT', '/api/v1/session/locale', bearer, { locale: 'en' })));
    for (const ok of both) {
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ locale: 'en' });
    }
    expect(await localeOf(mod.id)).toBe('en');
    expect(
      await db.query(
        `SELECT actor_type, payload FROM audit_event WHERE action = 'staff.locale_changed' AND subject_id = $1`,
        [mod.id],
      ),
    ).toEqual([{ actor_type: 'moderator', payload: { from: 'zh-CN', to: 'en' } }]);
    expect(await (await json('GET', '/api/v1/session', bearer)).json()).toMatchObject({
      user: { id: mod.id, locale: 'en' },
    });
    // A session caller needs the CSRF token, as on every unsafe API call.
    const noCsrf = await json('PUT', '/api/v1/session/locale', { cookie: zhSession.cookie }, { locale: 'en' });
    expect(noCsrf.status).toBe(403);
    expect(await localeOf(adminZh.id)).toBe('zh-CN');

    // A Chinese filing; the English-reading moderator asks for information and is told of the answer in English.
    const { reference, trackingUrl } = await fileComplaint(t.baseUrl, {
      locale: 'zh-CN',
      items: [{ articleUrl, kind: 'article' }],
    });
    const move = (body: Record<string, unknown>) =>
      json('POST', `/api/v1/complaints/${reference}/transitions`, bearer, body);
    expect((await move({ to: 'in_review', version: 1 })).status).toBe(200);
    expect((await move({ to: 'needs_info', version: 2, missing: ['原始照片'] })).status).toBe(200);
    const token = trackingUrl.split('/').pop() as string;
    const answered = await json('POST', `/api/v1/track/${token}/answer`, {}, { answer: '原始照片已补充。' });
    expect(answered.status).toBe(200);
    await drainMail();
    const told = t.sink.to(mod.email).filter((m) => m.subject?.startsWith(`[${reference}]`));
    expect(told.map((m) => m.subject)).toEqual([`[${reference}] The complainant has answered`]);
    // The complainant's own mail stays in the complaint's language.
    const [job] = await db.query<Array<{ locale: string }>>(
      `SELECT locale FROM mail_job WHERE template = 'complaint-needs-info' AND complaint_id =
         (SELECT id FROM complaint WHERE reference = $1)`,
      [reference],
    );
    expect(job.locale).toBe('zh-CN');
  });

  it('an invitation stores its language on the account; a resend from the page keeps it, the API may change it', async () => {
    const invitee = (tag: string) => `${tag}-${Date.now()}@desk.example.test`;
    const invitations = (address: string) => t.sink.to(address).map((m) => m.subject);
    const EN_SUBJECT = 'Your Notice Desk staff account: choose your password';
    const ZH_SUBJECT = 'Notice Desk 工作人员账户邀请：请设置您的密码';
    const csrf = { cookie: zhSession.cookie, 'x-csrf-token': zhSession.csrfToken };

    // API: the call's locale.
    const apiEmail = invitee('api-en');
    const res = await json('POST', '/api/v1/staff/users', csrf, { email: apiEmail, role: 'moderator', locale: 'en' });
    expect(res.status).toBe(201);
    const { user } = (await res.json()) as { user: { id: string; locale: string } };
    expect(user.locale).toBe('en');
    expect(await localeOf(user.id)).toBe('en');
    // A language the desk does not write is refused, not quietly made Chinese (no account, no mail).
    const oddEmail = invitee('api-fr');
    const odd = await json('POST', '/api/v1/staff/users', csrf, {
      email: oddEmail,
      role: 'moderator',
      locale: 'en-US',
    });
    expect(odd.status).toBe(422);
    expect(await odd.json()).toMatchObject({ code: 'VALIDATION', details: [{ field: 'locale' }] });
    expect(await db.query(`SELECT 1 FROM staff_user WHERE email = $1`, [oddEmail])).toEqual([]);

    // Page: the language chosen on the form; without one, the admin's page language (English here,
    // Chinese by default).
    const pageEn = invitee('page-en');
    const pageZh = invitee('page-zh');
    const chosenEn = invitee('chosen-en');
    const page = await fetch(`${t.baseUrl}/staff/users`, { headers: { cookie: zhSession.cookie } });
    expect(await page.text()).toMatch(/<select[^>]*name="locale"[\s\S]*?<option value="zh-CN" selected>中文/);
    expect(
      (
        await form('/staff/users', zhSession.cookie, {
          _csrf: zhSession.csrfToken,
          email: chosenEn,
          role: 'moderator',
          locale: 'en',
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await form('/staff/users?lang=en', zhSession.cookie, {
          _csrf: zhSession.csrfToken,
          email: pageEn,
          role: 'moderator',
        })
      ).status,
    ).toBe(201);
    expect(
      (await form('/staff/users', zhSession.cookie, { _csrf: zhSession.csrfToken, email: pageZh, role: 'moderator' }))
        .status,
    ).toBe(201);
    const rows = await db.query<Array<{ email: string; locale: string }>>(
      `SELECT email, locale FROM staff_user WHERE email = ANY($1) ORDER BY email`,
      [[pageEn, pageZh, chosenEn]],
    );
    expect(rows).toEqual(
      [
        { email: pageEn, locale: 'en' },
        { email: pageZh, locale: 'zh-CN' },
        { email: chosenEn, locale: 'en' },
      ].sort((a, b) => (a.email < b.email ? -1 : 1)),
    );
    await drainMail();
    expect(invitations(chosenEn)).toEqual([EN_SUBJECT]);
    // The account list shows each person's language under their address.
    const list = await (await fetch(`${t.baseUrl}/staff/users`, { headers: { cookie: zhSession.cookie } })).text();
    expect(list).toMatch(
      new RegExp(`${chosenEn.replace(/[.]/g, '\\.')}</span><br><span class="small muted"><span data-locale="en"`),
    );
    expect(list).toMatch(
      new RegExp(`${pageZh.replace(/[.]/g, '\\.')}</span><br><span class="small muted"><span data-locale="zh-CN"`),
    );
    expect(invitations(apiEmail)).toEqual([EN_SUBJECT]);
    expect(invitations(pageEn)).toEqual([EN_SUBJECT]);
    expect(invitations(pageZh)).toEqual([ZH_SUBJECT]);

    // A resend from the (Chinese) page is in the invitee's language, not the admin's.
    expect(
      (await form(`/staff/users/${user.id}/invitation`, zhSession.cookie, { _csrf: zhSession.csrfToken })).status,
    ).toBe(303);
    await drainMail();
    expect(invitations(apiEmail)).toEqual([EN_SUBJECT, EN_SUBJECT]);
    // The API's resend may name a language: it becomes the account's.
    const resent = await json('POST', `/api/v1/staff/users/${user.id}/invitation`, csrf, { locale: 'zh-CN' });
    expect(resent.status).toBe(201);
    expect(await localeOf(user.id)).toBe('zh-CN');
    // Audited as the owner's own change is, with the admin as actor.
    const changed = await db.query<Array<{ actor_type: string; payload: unknown }>>(
      `SELECT actor_type, payload FROM audit_event WHERE action = 'staff.locale_changed' AND subject_id = $1`,
      [user.id],
    );
    expect(changed).toEqual([{ actor_type: 'admin', payload: { from: 'en', to: 'zh-CN' } }]);
    await drainMail();
    expect(invitations(apiEmail)).toEqual([EN_SUBJECT, EN_SUBJECT, ZH_SUBJECT]);
  });

  it('My account: the language form needs the CSRF token, saves, and confirms in the chosen language', async () => {
    const me = await createStaff(db, { displayName: '李审核' });
    const s = await signIn(t.baseUrl, me.email, me.password);
    const page = await (await fetch(`${t.baseUrl}/staff/account`, { headers: { cookie: s.cookie } })).text();
    expect(page).toContain('action="/staff/account/locale"');
    expect(page).toMatch(/id="locale-zh-CN" name="locale" value="zh-CN" checked/);
    expect(page).not.toMatch(/id="locale-en" name="locale" value="en" checked/);

    const refused = await form('/staff/account/locale', s.cookie, { locale: 'en' });
    expect(refused.status).toBe(403);
    expect(await localeOf(me.id)).toBe('zh-CN');

    const saved = await form('/staff/account/locale', s.cookie, { _csrf: s.csrfToken, locale: 'en' });
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toBe('/staff/account?done=locale');
    expect(setCookies(saved).lang).toBe('en');
    expect(await localeOf(me.id)).toBe('en');
    const confirmed = await (
      await fetch(`${t.baseUrl}/staff/account?done=locale`, { headers: { cookie: `${s.cookie}; lang=en` } })
    ).text();
    expect(confirmed).toContain('data-done="locale"');
    expect(confirmed).toContain(
      'Saved: the desk now writes to you in English, and these pages are in English in this browser.',
    );
    expect(confirmed).toMatch(/id="locale-en" name="locale" value="en" checked/);
    const [event] = await db.query<Array<{ actor_id: string; payload: unknown }>>(
      `SELECT actor_id, payload FROM audit_event WHERE action = 'staff.locale_changed' AND subject_id = $1`,
      [me.id],
    );
    expect(event).toEqual({ actor_id: me.id, payload: { from: 'zh-CN', to: 'en' } });

    const back = await form('/staff/account/locale', `${s.cookie}; lang=en`, { _csrf: s.csrfToken, locale: 'zh-CN' });
    expect(back.status).toBe(303);
    expect(setCookies(back).lang).toBe('zh-CN');
    const zh = await (
      await fetch(`${t.baseUrl}/staff/account?done=locale`, { headers: { cookie: `${s.cookie}; lang=zh-CN` } })
    ).text();
    expect(zh).toContain('已保存：系统今后用中文给您发邮件，本浏览器中的页面也显示为中文。');

    const odd = await form('/staff/account/locale', s.cookie, { _csrf: s.csrfToken, locale: 'fr' });
    expect(odd.status).toBe(422);
    expect(await odd.text()).toContain('data-field="locale"');
    expect(await localeOf(me.id)).toBe('zh-CN');
  });

  // Last: it reverts and re-applies the migration on this suite's database, resetting every locale.
  it('the migration gives accounts still invited the language of their latest invitation mail, others zh-CN', async () => {
    const q = db.createQueryRunner();
    await q.connect();
    const tag = Date.now();
    const twice = `twice-${tag}@desk.example.test`;
    const once = `once-${tag}@desk.example.test`;
    const never = `never-${tag}@desk.example.test`;
    try {
      await new StaffLocale1766910000000().down(q);
      await q.query(
        `INSERT INTO staff_user (email, display_name, role, status) VALUES ($1, 'a', 'moderator', 'invited'),
           ($2, 'b', 'moderator', 'active'), ($3, 'c', 'moderator', 'active')`,
        [twice, once, never],
      );
      await q.query(
        `INSERT INTO mail_job (template, locale, to_address, message_id, payload, state, sent_at, created_at)
         SELECT 'staff-invitation', v.locale, v.address, '<inv-' || gen_random_uuid() || '@desk.example.test>', '{}',
                'sent', now(), now() - v.age
           FROM (VALUES ('zh-CN', $1, interval '2 days'), ('en', upper($1), interval '1 day'),
                        ('en', $2, interval '1 day')) AS v(locale, address, age)`,
        [twice, once],
      );
      await new StaffLocale1766910000000().up(q);
    } finally {
      await q.release();
    }
    const rows = await db.query<Array<{ email: string; locale: string }>>(
      `SELECT email, locale FROM staff_user WHERE email = ANY($1) ORDER BY email`,
      [[twice, once, never]],
    );
    // twice: still invited, its latest invitation (to the address in capitals) in English. once:
    // accepted; its invitation was in the inviting admin's page language, which says nothing of theirs.
    expect(rows).toEqual([
      { email: never, locale: 'zh-CN' },
      { email: once, locale: 'zh-CN' },
      { email: twice, locale: 'en' },
    ]);
    await expect(db.query(`UPDATE staff_user SET locale = 'fr' WHERE email = $1`, [never])).rejects.toThrow(
      /staff_user_locale_check/,
    );
  });
});
