import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from './helpers/app';
import { testDatabaseUrl } from './helpers/database';
import {
  apiToken,
  cookieHeader,
  createStaff,
  loginForm,
  postLogin,
  setCookies,
  signIn,
  TestStaff,
} from './helpers/staff';

/** Seconds from now until a Set-Cookie line's Expires. */
function expiresIn(line: string | undefined): number {
  const m = /; Expires=([^;]+)/i.exec(line ?? '');
  return m ? (Date.parse(m[1]) - Date.now()) / 1000 : NaN;
}

interface AuditRow {
  actor_type: string;
  actor_id: string | null;
  action: string;
  subject_type: string;
  subject_id: string;
  payload: Record<string, unknown>;
}

describe('staff accounts: sign-in, sessions, lockout, tokens, CSRF (real PostgreSQL)', () => {
  let t: TestApp;
  let db: DataSource;
  let admin: TestStaff;

  const audit = (subjectId: string, action?: string) =>
    db.query<AuditRow[]>(
      `SELECT actor_type, actor_id, action, subject_type, subject_id, payload FROM audit_event
        WHERE subject_id = $1 AND ($2::text IS NULL OR action = $2) ORDER BY id`,
      [subjectId, action ?? null],
    );
  const sessionsOf = async (userId: string) =>
    Number(
      (await db.query<Array<{ n: string }>>(`SELECT count(*) AS n FROM staff_session WHERE user_id = $1`, [userId]))[0]
        .n,
    );
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${t.baseUrl}${path}`, { redirect: 'manual', headers });
  const post = (path: string, headers: Record<string, string>, body?: unknown) =>
    fetch(`${t.baseUrl}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    admin = await createStaff(db, { role: 'admin', displayName: 'Admin A' });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('signs in: 303 to next, a new session id, cookie flags, the session row names the user, audit staff.login', async () => {
    const mod = await createStaff(db);
    const first = await postLogin(t.baseUrl, mod.email.toUpperCase(), mod.password, { next: '/mailbox' });
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/mailbox');
    const line = first.headers.getSetCookie().find((c) => c.startsWith('nd_staff='));
    expect(line).toBeDefined();
    expect(line).toMatch(/; HttpOnly/i);
    expect(line).toMatch(/; SameSite=Lax/i);
    expect(line).toMatch(/; Path=\//);
    expect(expiresIn(line)).toBeGreaterThan(1800 - 60); // SESSION_IDLE_MINUTES 30
    expect(expiresIn(line)).toBeLessThanOrEqual(1800);
    expect(line).not.toMatch(/; Secure/i); // http PUBLIC_BASE_URL
    const sidA = setCookies(first).nd_staff;
    const [row] = await db.query<Array<{ user_id: string }>>(`SELECT user_id FROM staff_session WHERE user_id = $1`, [
      mod.id,
    ]);
    expect(row.user_id).toBe(mod.id);

    // A sign-in that arrives with an existing session id (fixation attempt, or a second sign-in) gets a new id.
    const again = await postLogin(t.baseUrl, mod.email, mod.password, { cookies: { nd_staff: sidA } });
    expect(again.status).toBe(303);
    const sidB = setCookies(again).nd_staff;
    expect(sidB).toBeDefined();
    expect(sidB.split('.')[0]).not.toBe(sidA.split('.')[0]);
    expect((await get('/api/v1/session', { cookie: `nd_staff=${sidA}` })).status).toBe(401);
    const who = await get('/api/v1/session', { cookie: `nd_staff=${sidB}` });
    expect(who.status).toBe(200);
    const body = (await who.json()) as { user: { id: string; role: string; via: string }; csrfToken: string };
    expect(body.user).toMatchObject({ id: mod.id, role: 'moderator', via: 'session' });
    expect(body.csrfToken).toEqual(expect.any(String));

    const events = await audit(mod.id, 'staff.login');
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ actor_type: 'moderator', actor_id: mod.id, subject_type: 'staff_user' });
    const [u] = await db.query<Array<{ last_login_at: Date | null; email: string }>>(
      `SELECT last_login_at, email FROM staff_user WHERE id = $1`,
      [mod.id],
    );
    expect(u.last_login_at).not.toBeNull();
    expect(u.email).toBe(mod.email); // stored lower-case
  });

  it('a next that leaves the site goes to the staff home instead', async () => {
    const mod = await createStaff(db);
    for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example']) {
      const res = await postLogin(t.baseUrl, mod.email, mod.password, { next });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/staff/queue');
    }
  });

  it('refuses a wrong password and an unknown account with the same answer; audits both (the unknown one by the email hash)', async () => {
    const mod = await createStaff(db);
    const wrong = await postLogin(t.baseUrl, mod.email, 'not the password at all');
    const unknownEmail = `nobody-${Date.now()}@desk.example.test`;
    const unknown = await postLogin(t.baseUrl, unknownEmail, 'not the password at all');
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      expect(setCookies(res).nd_staff).toBeUndefined();
      expect(await res.text()).toContain('data-error="credentials"');
    }
    const [failed] = await audit(mod.id, 'staff.login_failed');
    expect(failed).toMatchObject({
      actor_type: 'system',
      subject_type: 'staff_user',
      payload: { reason: 'password', failures: 1 },
    });
    const hashed = await audit(createHash('sha256').update(unknownEmail).digest('hex'), 'staff.login_failed');
    expect(hashed).toHaveLength(1);
    expect(hashed[0]).toMatchObject({ subject_type: 'staff_email', payload: { reason: 'unknown_account' } });
    expect(JSON.stringify(hashed[0])).not.toContain(unknownEmail);
  });

  it('locks an account for 15 minutes after 5 consecutive failures, even for the right password', async () => {
    const mod = await createStaff(db);
    for (let i = 0; i < 5; i += 1)
      expect((await postLogin(t.baseUrl, mod.email, `wrong password ${i}`)).status).toBe(401);
    const [u] = await db.query<Array<{ minutes: number; failed_logins: number }>>(
      `SELECT extract(epoch FROM locked_until - now()) / 60 AS minutes, failed_logins FROM staff_user WHERE id = $1`,
      [mod.id],
    );
    expect(Number(u.minutes)).toBeGreaterThan(14);
    expect(Number(u.minutes)).toBeLessThanOrEqual(15);
    const locked = await postLogin(t.baseUrl, mod.email, mod.password);
    expect(locked.status).toBe(401);
    expect(await locked.text()).toContain('data-error="credentials"'); // the same answer as a wrong password
    expect(await audit(mod.id, 'staff.locked')).toHaveLength(1);
    expect((await audit(mod.id, 'staff.login_failed')).map((e) => e.payload.reason)).toEqual([
      'password',
      'password',
      'password',
      'password',
      'password',
      'locked',
    ]);
    // When the lock has run out, the right password works again.
    await db.query(`UPDATE staff_user SET locked_until = now() - interval '1 second' WHERE id = $1`, [mod.id]);
    expect((await postLogin(t.baseUrl, mod.email, mod.password)).status).toBe(303);
  });

  it('refuses the sign-in form without its CSRF token', async () => {
    const mod = await createStaff(db);
    const res = await fetch(`${t.baseUrl}/staff/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: mod.email, password: mod.password }),
    });
    expect(res.status).toBe(403);
    expect(setCookies(res).nd_staff).toBeUndefined();
  });

  it('sends pages to the sign-in form and API calls a 401', async () => {
    const page = await get('/staff/users?x=1');
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe(`/staff/login?next=${encodeURIComponent('/staff/users?x=1')}`);
    expect((await get('/mailbox')).status).toBe(303);
    const api = await get('/api/v1/session');
    expect(api.status).toBe(401);
    expect(await api.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('requires the CSRF token on session POSTs (403 without or with a wrong one), and accepts header or form field', async () => {
    const target = await createStaff(db);
    const s = await signIn(t.baseUrl, admin.email, admin.password);
    const path = `/api/v1/staff/users/${target.id}/role`;
    const none = await post(path, { cookie: s.cookie }, { role: 'admin' });
    expect(none.status).toBe(403);
    expect(await none.json()).toMatchObject({ code: 'CSRF' });
    expect((await post(path, { cookie: s.cookie, 'x-csrf-token': `${s.csrfToken}x` }, { role: 'admin' })).status).toBe(
      403,
    );
    // A token from another session does not fit this one.
    const other = await signIn(t.baseUrl, admin.email, admin.password);
    expect((await post(path, { cookie: s.cookie, 'x-csrf-token': other.csrfToken }, { role: 'admin' })).status).toBe(
      403,
    );
    const ok = await post(path, { cookie: s.cookie, 'x-csrf-token': s.csrfToken }, { role: 'admin' });
    expect(ok.status).toBe(200);
    const form = await fetch(`${t.baseUrl}/staff/users/${target.id}/role`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: s.csrfToken, role: 'moderator' }),
    });
    expect(form.status).toBe(303);
    expect(form.headers.get('location')).toBe('/staff/users?done=role');
    expect((await audit(target.id, 'staff.role_changed')).map((e) => e.payload)).toEqual([
      { email: target.email, from: 'moderator', to: 'admin' },
      { email: target.email, from: 'admin', to: 'moderator' },
    ]);
  });

  it('puts the CSRF token into staff pages', async () => {
    const s = await signIn(t.baseUrl, admin.email, admin.password);
    const page = await get('/staff/users', { cookie: s.cookie });
    expect(page.status).toBe(200);
    const html = await page.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
    expect(token).toBe(s.csrfToken);
    expect(html).toContain(admin.email);
  });

  it('a personal API token works without CSRF; a new one replaces the old; a bad one is a 401', async () => {
    const target = await createStaff(db);
    const oldToken = await apiToken(db, admin.email);
    const token = await apiToken(db, admin.email);
    expect(token).toMatch(/^nd_[A-Za-z0-9_-]{43}$/);
    expect(
      (await post(`/api/v1/staff/users/${target.id}/role`, { authorization: `Bearer ${oldToken}` }, { role: 'admin' }))
        .status,
    ).toBe(401);
    const ok = await post(
      `/api/v1/staff/users/${target.id}/role`,
      { authorization: `Bearer ${token}` },
      { role: 'admin' },
    );
    expect(ok.status).toBe(200);
    const who = await get('/api/v1/session', { authorization: `Bearer ${token}` });
    expect(await who.json()).toMatchObject({ user: { id: admin.id, via: 'token' }, csrfToken: null });
    const [row] = await db.query<Array<{ api_token_hash: string }>>(
      `SELECT api_token_hash FROM staff_user WHERE id = $1`,
      [admin.id],
    );
    expect(row.api_token_hash).toBe(createHash('sha256').update(token).digest('hex'));
    const issued = await audit(admin.id, 'staff.token_issued');
    expect(issued.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(issued)).not.toContain(token);
  });

  it('tokens come from their owner only: an admin cannot mint one for a moderator or another admin (404), so cannot approve their own escalation with it', async () => {
    const mod = await createStaff(db);
    const other = await createStaff(db, { role: 'admin', displayName: 'Admin B' });
    const s = await signIn(t.baseUrl, admin.email, admin.password);
    const csrf = { cookie: s.cookie, 'x-csrf-token': s.csrfToken };
    const hashOf = async (id: string) =>
      (await db.query<Array<{ h: string | null }>>(`SELECT api_token_hash AS h FROM staff_user WHERE id = $1`, [id]))[0]
        .h;
    const before = await Promise.all([hashOf(mod.id), hashOf(other.id)]);

    // Every way an admin used to obtain someone else's token is gone (page and API, session and token callers).
    const own = await post('/api/v1/session/token', csrf);
    expect(own.status).toBe(201);
    expect(own.headers.get('cache-control')).toBe('no-store');
    const { token: adminToken } = (await own.json()) as { token: string };
    expect(adminToken).toMatch(/^nd_[A-Za-z0-9_-]{43}$/);
    for (const target of [mod, other]) {
      for (const [path, headers] of [
        [`/api/v1/staff/users/${target.id}/token`, csrf],
        [`/api/v1/staff/users/${target.id}/token`, { authorization: `Bearer ${adminToken}` }],
        [`/staff/users/${target.id}/token`, csrf],
      ] as const) {
        const res = await post(path, { ...headers, accept: 'application/json' });
        expect([path, res.status]).toEqual([path, 404]);
        expect(await res.text()).not.toMatch(/nd_[A-Za-z0-9_-]{43}/);
      }
    }
    expect(await Promise.all([hashOf(mod.id), hashOf(other.id)])).toEqual(before);
    expect(await audit(mod.id, 'staff.token_issued')).toEqual([]);

    // The admin escalates a whole-article removal, then may not approve it: with their own token it is a 403.
    const articles = (await (await get('/api/v1/articles?limit=200')).json()) as {
      items: Array<{ slug: string; url: string }>;
    };
    const filed = await post(
      '/api/v1/complaints',
      {},
      {
        legalBasis: 'eu-dsa',
        locale: 'en',
        complainant: { name: 'Pat Doe', email: `tokens-${Date.now()}@example.test` },
        items: [{ articleUrl: articles.items.find((a) => a.slug === 'news-20')?.url, kind: 'article' }],
        explanation: 'Defamatory throughout.',
        declarations: { truthful: true, goodFaith: true },
      },
    );
    expect(filed.status).toBe(201);
    const { reference } = (await filed.json()) as { reference: string };
    const move = (token: string, body: Record<string, unknown>) =>
      post(`/api/v1/complaints/${reference}/transitions`, { authorization: `Bearer ${token}` }, body);
    expect((await move(adminToken, { to: 'in_review', version: 1 })).status).toBe(200);
    const esc = await move(adminToken, {
      to: 'escalated',
      version: 2,
      reason: 'Defamatory throughout; propose removal.',
      remedies: [{ item: 0, remedy: 'remove_article' }],
    });
    expect(await esc.json()).toEqual({ state: 'escalated', version: 3 });
    const selfApproval = await move(adminToken, { to: 'actioned', version: 3 });
    expect(selfApproval.status).toBe(403);
    expect(await selfApproval.json()).toMatchObject({ code: 'SECOND_PERSON_REQUIRED' });
    // The other admin, with the token they made themselves, can.
    const b = await signIn(t.baseUrl, other.email, other.password);
    const bToken = (
      (await (await post('/api/v1/session/token', { cookie: b.cookie, 'x-csrf-token': b.csrfToken })).json()) as {
        token: string;
      }
    ).token;
    expect(await (await move(bToken, { to: 'actioned', version: 3 })).json()).toEqual({
      state: 'actioned',
      version: 4,
    });
    const issued = await audit(other.id, 'staff.token_issued');
    expect(issued.map((e) => [e.actor_type, e.actor_id])).toEqual([['admin', other.id]]);
  });

  it('a staff member makes, replaces and revokes their own token on /staff/account (shown once) and by API; an admin may revoke others’ tokens', async () => {
    const mod = await createStaff(db);
    const s = await signIn(t.baseUrl, mod.email, mod.password);
    const page = await get('/staff/account', { cookie: s.cookie });
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(await page.text()).toContain('action="/staff/account/token"');
    const made = await post('/staff/account/token', { cookie: s.cookie, 'x-csrf-token': s.csrfToken });
    expect(made.status).toBe(200);
    expect(made.headers.get('cache-control')).toBe('no-store');
    const token = /id="staff-secret" readonly value="(nd_[^"]+)"/.exec(await made.text())?.[1] as string;
    expect(token).toBeDefined();
    expect(await (await get('/api/v1/session', { authorization: `Bearer ${token}` })).json()).toMatchObject({
      user: { id: mod.id, role: 'moderator', via: 'token' },
    });
    expect(await (await get('/staff/account', { cookie: s.cookie })).text()).not.toContain(token);
    const [row] = await db.query<Array<{ h: string }>>(`SELECT api_token_hash AS h FROM staff_user WHERE id = $1`, [
      mod.id,
    ]);
    expect(row.h).toBe(createHash('sha256').update(token).digest('hex'));

    // Rotating with the token itself, then revoking it by API.
    const rotated = await post('/api/v1/session/token', { authorization: `Bearer ${token}` });
    const { token: token2 } = (await rotated.json()) as { token: string };
    expect((await get('/api/v1/session', { authorization: `Bearer ${token}` })).status).toBe(401);
    const del = await fetch(`${t.baseUrl}/api/v1/session/token`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token2}` },
    });
    expect(await del.json()).toEqual({ revoked: true });
    expect((await get('/api/v1/session', { authorization: `Bearer ${token2}` })).status).toBe(401);

    // An admin revokes (never obtains) a moderator's token: page and API.
    const token3 = await apiToken(db, mod.email);
    const a = await signIn(t.baseUrl, admin.email, admin.password);
    const revoked = await post(`/staff/users/${mod.id}/token/revoke`, {
      cookie: a.cookie,
      'x-csrf-token': a.csrfToken,
    });
    expect(revoked.status).toBe(303);
    expect(revoked.headers.get('location')).toBe('/staff/users?done=token_revoked');
    expect((await get('/api/v1/session', { authorization: `Bearer ${token3}` })).status).toBe(401);
    const token4 = await apiToken(db, mod.email);
    const apiRevoke = await fetch(`${t.baseUrl}/api/v1/staff/users/${mod.id}/token`, {
      method: 'DELETE',
      headers: { cookie: a.cookie, 'x-csrf-token': a.csrfToken },
    });
    expect(await apiRevoke.json()).toEqual({ revoked: true });
    expect((await get('/api/v1/session', { authorization: `Bearer ${token4}` })).status).toBe(401);
    const events = await audit(mod.id, 'staff.token_revoked');
    expect(events.map((e) => [e.actor_type, e.actor_id])).toEqual([
      ['moderator', mod.id],
      ['admin', admin.id],
      ['admin', admin.id],
    ]);
    expect(JSON.stringify(await audit(mod.id))).not.toMatch(/nd_[A-Za-z0-9_-]{43}/);
  });

  it('a staff member changes their own password on /staff/account: the current one is needed; other sessions end', async () => {
    const mod = await createStaff(db);
    const s = await signIn(t.baseUrl, mod.email, mod.password);
    const elsewhere = await signIn(t.baseUrl, mod.email, mod.password);
    const change = (fields: Record<string, string>, lang = 'en') =>
      fetch(`${t.baseUrl}/staff/account/password?lang=${lang}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: s.csrfToken, ...fields }),
      });
    const wrong = await change({
      current: 'not my password',
      password: 'a brand new password',
      confirm: 'a brand new password',
    });
    expect(wrong.status).toBe(422);
    expect(await wrong.text()).toContain('Your current password is wrong.');
    const differ = await change(
      { current: mod.password, password: 'a brand new password', confirm: 'another new password' },
      'zh-CN',
    );
    expect(differ.status).toBe(422);
    expect(await differ.text()).toContain('两次输入的新密码不一致。');
    const short = await change({ current: mod.password, password: 'short', confirm: 'short' });
    expect(short.status).toBe(422);
    expect(await short.text()).toContain('data-field="password"');
    const ok = await change({
      current: mod.password,
      password: 'a brand new password',
      confirm: 'a brand new password',
    });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/staff/account?done=password');
    expect((await get('/api/v1/session', { cookie: s.cookie })).status).toBe(200);
    expect((await get('/api/v1/session', { cookie: elsewhere.cookie })).status).toBe(401);
    expect((await postLogin(t.baseUrl, mod.email, mod.password)).status).toBe(401);
    expect((await postLogin(t.baseUrl, mod.email, 'a brand new password')).status).toBe(303);
    const [event] = await audit(mod.id, 'staff.password_changed');
    expect(event).toMatchObject({ actor_type: 'moderator', actor_id: mod.id, payload: { otherSessionsEnded: 1 } });
    expect(JSON.stringify(event)).not.toContain('brand new');
  });

  it('disabling a user ends their sessions and token at once; an admin cannot disable themselves; moderators cannot manage staff', async () => {
    const mod = await createStaff(db);
    const modSession = await signIn(t.baseUrl, mod.email, mod.password);
    const modToken = await apiToken(db, mod.email);
    expect((await get('/api/v1/session', { cookie: modSession.cookie })).status).toBe(200);
    expect(await sessionsOf(mod.id)).toBe(1);

    // A moderator may not use the staff pages.
    expect((await get('/staff/users', { cookie: modSession.cookie })).status).toBe(403);
    const denied = await post(`/api/v1/staff/users/${admin.id}/disable`, {
      cookie: modSession.cookie,
      'x-csrf-token': modSession.csrfToken,
    });
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({ code: 'FORBIDDEN' });

    const s = await signIn(t.baseUrl, admin.email, admin.password);
    const self = await post(`/staff/users/${admin.id}/disable`, {
      cookie: s.cookie,
      'x-csrf-token': s.csrfToken,
      accept: 'application/json',
    });
    expect(self.status).toBe(403);

    const res = await post(`/staff/users/${mod.id}/disable`, { cookie: s.cookie, 'x-csrf-token': s.csrfToken });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/staff/users?done=disabled');
    expect(await sessionsOf(mod.id)).toBe(0);
    expect((await get('/api/v1/session', { cookie: modSession.cookie })).status).toBe(401);
    expect((await get('/api/v1/session', { authorization: `Bearer ${modToken}` })).status).toBe(401);
    expect((await postLogin(t.baseUrl, mod.email, mod.password)).status).toBe(401);
    const [event] = await audit(mod.id, 'staff.disabled');
    expect(event).toMatchObject({
      actor_type: 'admin',
      actor_id: admin.id,
      payload: { email: mod.email, sessionsEnded: 1 },
    });

    // Enabled again: the password works, the old token does not come back.
    expect(
      (await post(`/staff/users/${mod.id}/enable`, { cookie: s.cookie, 'x-csrf-token': s.csrfToken })).status,
    ).toBe(303);
    expect((await postLogin(t.baseUrl, mod.email, mod.password)).status).toBe(303);
    expect((await get('/api/v1/session', { authorization: `Bearer ${modToken}` })).status).toBe(401);
  });

  describe('invitations: the new person chooses their password through a mailed single-use link', () => {
    const linkIn = (text: string) =>
      /(http:\/\/127\.0\.0\.1:\d+\/staff\/invitation\/[A-Za-z0-9_-]{43})\b/.exec(text)?.[1];
    /** Opens the link's page (as the invitee's browser would): its status, CSRF token and cookies. */
    const openLink = async (link: string) => {
      const res = await fetch(link, { redirect: 'manual' });
      const html = await res.text();
      return {
        status: res.status,
        html,
        csrf: /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '',
        cookie: cookieHeader(setCookies(res)),
      };
    };
    const choose = async (link: string, fields: Record<string, string>, page?: { csrf: string; cookie: string }) => {
      const p = page ?? (await openLink(link));
      return fetch(link, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: p.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: p.csrf, ...fields }),
      });
    };

    it('the admin sees no password (page and API); the mail’s link works once; a second use and an expired link fail', async () => {
      const s = await signIn(t.baseUrl, admin.email, admin.password);
      const email = `Invited-${Date.now()}@Desk.Example.test`;
      const res = await fetch(`${t.baseUrl}/staff/users?lang=en`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: s.csrfToken, email, displayName: 'New Colleague', role: 'moderator' }),
      });
      expect(res.status).toBe(201);
      const html = await res.text();
      expect(html).toContain(`data-invited="${email.toLowerCase()}"`);
      expect(html).not.toContain('staff-secret');
      expect(html).not.toContain('/staff/invitation/');
      const [row] = await db.query<Array<{ id: string; status: string; password_hash: string | null }>>(
        `SELECT id, status, password_hash FROM staff_user WHERE email = $1`,
        [email.toLowerCase()],
      );
      expect(row).toMatchObject({ status: 'invited', password_hash: null });
      expect((await audit(row.id, 'staff.created'))[0]).toMatchObject({
        actor_type: 'admin',
        actor_id: admin.id,
        payload: { email: email.toLowerCase(), role: 'moderator', status: 'invited' },
      });

      // The mail, through real SMTP, to the new person only, in the admin page's language.
      const mail = await t.sink.waitFor((m) => t.sink.to(email).includes(m));
      expect(mail.subject).toBe('Your Notice Desk staff account: choose your password');
      const link = linkIn(mail.text ?? '') as string;
      expect(link).toBeDefined();
      expect(mail.html).toContain(`href="${link}"`);
      const token = link.split('/').pop() as string;
      // The link was minted at send time: no row of the outbox holds it, sent or not.
      const [job] = await db.query<Array<{ payload: Record<string, unknown> }>>(
        `SELECT payload FROM mail_job WHERE template = 'staff-invitation' AND to_address = $1`,
        [email.toLowerCase()],
      );
      expect(job.payload.invitationUrl).toBeNull();
      expect(JSON.stringify(job.payload)).not.toContain(token);
      const [inv] = await db.query<Array<{ token_hash: string; hours: number }>>(
        `SELECT token_hash, extract(epoch FROM expires_at - created_at) / 3600 AS hours FROM staff_invitation WHERE user_id = $1`,
        [row.id],
      );
      expect(inv.token_hash).toBe(createHash('sha256').update(token).digest('hex'));
      expect(Number(inv.hours)).toBe(72);
      expect(JSON.stringify(await audit(row.id))).not.toContain(token);
      // No sign-in works before the owner chooses a password.
      expect((await postLogin(t.baseUrl, email, '')).status).toBe(401);

      // The page (zh first; en on request), CSRF-protected.
      const page = await openLink(link);
      expect(page.status).toBe(200);
      expect(page.html).toContain('设置您的密码');
      const en = await fetch(`${link}?lang=en`);
      expect(await en.text()).toContain('Choose your password');
      const noCsrf = await fetch(link, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ password: 'my own secret words', confirm: 'my own secret words' }),
      });
      expect(noCsrf.status).toBe(403);
      const short = await choose(link, { password: 'short', confirm: 'short' }, page);
      expect(short.status).toBe(422);
      expect(await short.text()).toContain('密码至少需要 12 个字符。');
      const differ = await choose(link, { password: 'my own secret words', confirm: 'my own secret wordz' }, page);
      expect(differ.status).toBe(422);

      const done = await choose(link, { password: 'my own secret words', confirm: 'my own secret words' }, page);
      expect(done.status).toBe(200);
      expect(await done.text()).toContain('data-state="done"');
      expect((await postLogin(t.baseUrl, email, 'my own secret words')).status).toBe(303);
      const [after] = await db.query<Array<{ status: string }>>(`SELECT status FROM staff_user WHERE id = $1`, [
        row.id,
      ]);
      expect(after.status).toBe('active');
      expect(await audit(row.id, 'staff.invitation_accepted')).toHaveLength(1);

      // Second use: refused, the password stays.
      const again = await choose(link, { password: 'someone else words', confirm: 'someone else words' });
      expect(again.status).toBe(410);
      expect((await openLink(link)).status).toBe(410);
      expect((await postLogin(t.baseUrl, email, 'someone else words')).status).toBe(401);
      expect((await postLogin(t.baseUrl, email, 'my own secret words')).status).toBe(303);
    });

    it('API: no password in the answer; an expired or replaced link fails; a new invitation works', async () => {
      const s = await signIn(t.baseUrl, admin.email, admin.password);
      const email = `invited-api-${Date.now()}@desk.example.test`;
      const res = await post(
        '/api/v1/staff/users',
        { cookie: s.cookie, 'x-csrf-token': s.csrfToken },
        { email, role: 'admin', locale: 'zh-CN' },
      );
      expect(res.status).toBe(201);
      const body = (await res.json()) as { user: { id: string; status: string }; invitation: { expiresAt: string } };
      expect(Object.keys(body).sort()).toEqual(['invitation', 'user']);
      expect(body.user.status).toBe('invited');
      expect(JSON.stringify(body)).not.toMatch(/password|nd_|\/staff\/invitation\//i);
      const first = linkIn(
        (await t.sink.waitFor((m) => t.sink.to(email).length === 1 && t.sink.to(email).includes(m))).text ?? '',
      ) as string;
      expect(t.sink.to(email)[0].subject).toBe('Notice Desk 工作人员账户邀请：请设置您的密码');

      // Expired (72 hours passed): refused on the page and on submit.
      await db.query(
        `UPDATE staff_invitation SET created_at = now() - interval '73 hours', expires_at = now() - interval '1 hour' WHERE user_id = $1`,
        [body.user.id],
      );
      expect((await openLink(first)).status).toBe(410);
      const page = await openLink(`${t.baseUrl}/staff/invitation/${'A'.repeat(43)}`);
      expect(page.status).toBe(410);
      const late = await choose(first, { password: 'my own secret words', confirm: 'my own secret words' });
      expect(late.status).toBe(410);
      expect(await late.text()).toContain('data-state="invalid"');

      // A new invitation; the expired one stays dead, the new one works.
      const resent = await post(`/api/v1/staff/users/${body.user.id}/invitation`, {
        cookie: s.cookie,
        'x-csrf-token': s.csrfToken,
      });
      expect(resent.status).toBe(201);
      await t.sink.waitFor(() => t.sink.to(email).length === 2);
      const second = linkIn(t.sink.to(email)[1].text ?? '') as string;
      expect(second).not.toBe(first);
      expect((await choose(first, { password: 'my own secret words', confirm: 'my own secret words' })).status).toBe(
        410,
      );
      expect((await choose(second, { password: 'my own secret words', confirm: 'my own secret words' })).status).toBe(
        200,
      );
      expect((await postLogin(t.baseUrl, email, 'my own secret words')).status).toBe(303);
      // An active account gets no more invitations.
      expect(
        (
          await post(`/api/v1/staff/users/${body.user.id}/invitation`, {
            cookie: s.cookie,
            'x-csrf-token': s.csrfToken,
          })
        ).status,
      ).toBe(409);
    });
  });

  it('signs out: the session row is gone, the old cookie is worthless, audit staff.logout', async () => {
    const mod = await createStaff(db);
    const s = await signIn(t.baseUrl, mod.email, mod.password);
    const noCsrf = await post('/staff/logout', { cookie: s.cookie });
    expect(noCsrf.status).toBe(403);
    const res = await fetch(`${t.baseUrl}/staff/logout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: s.csrfToken }),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/staff/login');
    expect(await sessionsOf(mod.id)).toBe(0);
    expect((await get('/api/v1/session', { cookie: s.cookie })).status).toBe(401);
    expect(await audit(mod.id, 'staff.logout')).toHaveLength(1);
  });

  describe('with tiny limits (SESSION_IDLE_MINUTES 5, SESSION_ABSOLUTE_HOURS 1, LOGIN_RATE_LIMIT 3)', () => {
    let t2: TestApp;
    beforeAll(async () => {
      t2 = await startTestApp({ SESSION_IDLE_MINUTES: '5', SESSION_ABSOLUTE_HOURS: '1', LOGIN_RATE_LIMIT: '3' });
    });
    afterAll(async () => {
      await t2?.close();
    });

    it('rate-limits sign-in attempts per IP (429 with Retry-After) and leaves other IPs alone', async () => {
      const mod = await createStaff(db);
      const ip = { 'x-forwarded-for': '203.0.113.77' };
      for (let i = 0; i < 3; i += 1)
        expect((await postLogin(t2.baseUrl, mod.email, 'wrong wrong wrong', { headers: ip })).status).toBe(401);
      const limited = await postLogin(t2.baseUrl, mod.email, mod.password, { headers: ip });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await limited.text()).toContain('data-error="rate"');
      expect(
        (await postLogin(t2.baseUrl, mod.email, mod.password, { headers: { 'x-forwarded-for': '203.0.113.78' } }))
          .status,
      ).toBe(303);
    });

    it('idle expiry: the cookie and the stored row live SESSION_IDLE_MINUTES, renewed by each request; an idle session is refused', async () => {
      const mod = await createStaff(db);
      const res = await postLogin(t2.baseUrl, mod.email, mod.password, {
        headers: { 'x-forwarded-for': '203.0.113.90' },
      });
      expect(expiresIn(res.headers.getSetCookie().find((c) => c.startsWith('nd_staff=')))).toBeGreaterThan(240);
      expect(expiresIn(res.headers.getSetCookie().find((c) => c.startsWith('nd_staff=')))).toBeLessThanOrEqual(300);
      const cookie = cookieHeader({ nd_staff: setCookies(res).nd_staff });
      const left = async () =>
        Number(
          (
            await db.query<Array<{ s: number }>>(
              `SELECT extract(epoch FROM expire - now()::timestamp) AS s FROM staff_session WHERE user_id = $1`,
              [mod.id],
            )
          )[0].s,
        );
      // The sign-in's own session write may still be landing (seen once under load): wait until
      // the stored expiry stops moving before ageing it.
      const expireNow = async () =>
        String(
          (
            await db.query<Array<{ e: string }>>(`SELECT expire::text AS e FROM staff_session WHERE user_id = $1`, [
              mod.id,
            ])
          )[0]?.e,
        );
      for (let before = await expireNow(), i = 0; i < 20; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const after = await expireNow();
        if (after === before) break;
        before = after;
      }
      // Age the row, then one request rolls it forward to a full 5 minutes again.
      await db.query(`UPDATE staff_session SET expire = expire - interval '4 minutes' WHERE user_id = $1`, [mod.id]);
      expect(await left()).toBeLessThan(70);
      const renewed = await fetch(`${t2.baseUrl}/api/v1/session`, { headers: { cookie } });
      expect(renewed.status).toBe(200);
      expect(expiresIn(renewed.headers.getSetCookie().find((c) => c.startsWith('nd_staff=')))).toBeGreaterThan(240);
      // express-session touches the row as the response ends: wait for it.
      for (let i = 0; i < 50 && (await left()) < 280; i += 1) await new Promise((r) => setTimeout(r, 20));
      expect(await left()).toBeGreaterThan(280);
      // Idle past the limit: refused.
      await db.query(`UPDATE staff_session SET expire = now()::timestamp - interval '1 second' WHERE user_id = $1`, [
        mod.id,
      ]);
      expect((await fetch(`${t2.baseUrl}/api/v1/session`, { headers: { cookie } })).status).toBe(401);
    });

    it('absolute expiry: a session older than SESSION_ABSOLUTE_HOURS is destroyed however active it is', async () => {
      const mod = await createStaff(db);
      const res = await postLogin(t2.baseUrl, mod.email, mod.password, {
        headers: { 'x-forwarded-for': '203.0.113.91' },
      });
      const cookie = cookieHeader({ nd_staff: setCookies(res).nd_staff });
      const age = (minutes: number) =>
        db.query(
          `UPDATE staff_session SET sess = jsonb_set(sess::jsonb, '{createdAt}', to_jsonb($2::bigint))::json WHERE user_id = $1`,
          [mod.id, Date.now() - minutes * 60_000],
        );
      await age(59);
      expect((await fetch(`${t2.baseUrl}/api/v1/session`, { headers: { cookie } })).status).toBe(200);
      await age(61);
      const gone = await fetch(`${t2.baseUrl}/api/v1/session`, { headers: { cookie } });
      expect(gone.status).toBe(401);
      expect(await sessionsOf(mod.id)).toBe(0);
    });
  });

  it('CLI: user:create (password from NOTICE_DESK_PASSWORD) bootstraps an admin; user:token needs the account’s own password', async () => {
    const root = join(__dirname, '..');
    const cli = (file: string, args: string[], env: Record<string, string> = {}) =>
      promisify(execFile)(
        process.execPath,
        [require.resolve('ts-node/dist/bin.js'), '--transpile-only', join(root, 'src/auth', file), ...args],
        {
          cwd: root,
          env: { ...process.env, DATABASE_URL: testDatabaseUrl(), ...env },
        },
      );
    const email = `cli-${Date.now()}@desk.example.test`;
    const short = cli('user-create.cli.ts', ['--email', email, '--role', 'admin'], {
      NOTICE_DESK_PASSWORD: 'too short',
    });
    await expect(short).rejects.toMatchObject({ code: 1 });
    await expect(
      cli('user-create.cli.ts', ['--email', email, '--role', 'admin', '--locale', 'fr'], {
        NOTICE_DESK_PASSWORD: 'a long enough password',
      }),
    ).rejects.toMatchObject({ code: 2 });
    const created = await cli(
      'user-create.cli.ts',
      ['--email', email, '--role', 'admin', '--name', 'CLI Admin', '--locale', 'en'],
      { NOTICE_DESK_PASSWORD: 'a long enough password' },
    );
    expect(created.stdout).toContain(`${email} (admin, en) created`);
    const [{ locale }] = await db.query<Array<{ locale: string }>>(`SELECT locale FROM staff_user WHERE email = $1`, [
      email,
    ]);
    expect(locale).toBe('en');
    // user:token needs the account's own password: the console alone does not get anyone's token.
    await expect(
      cli('user-token.cli.ts', ['--email', email], { NOTICE_DESK_PASSWORD: 'not the password at all' }),
    ).rejects.toMatchObject({ code: 1 });
    const { stdout } = await cli('user-token.cli.ts', ['--email', email], {
      NOTICE_DESK_PASSWORD: 'a long enough password',
    });
    const token = stdout.trim();
    expect(token).toMatch(/^nd_[A-Za-z0-9_-]{43}$/);
    const who = await get('/api/v1/session', { authorization: `Bearer ${token}` });
    expect(await who.json()).toMatchObject({ user: { email, role: 'admin', displayName: 'CLI Admin' } });
    expect((await postLogin(t.baseUrl, email, 'a long enough password')).status).toBe(303);
    const [u] = await db.query<Array<{ id: string }>>(`SELECT id FROM staff_user WHERE email = $1`, [email]);
    const events = await audit(u.id);
    expect(events.filter((e) => e.actor_type === 'system').map((e) => e.action)).toEqual(['staff.created']);
    expect(events.filter((e) => e.action === 'staff.token_issued').map((e) => [e.actor_type, e.actor_id])).toEqual([
      ['admin', u.id],
    ]);
    await expect(
      cli('user-token.cli.ts', ['--email', 'nobody@desk.example.test'], { NOTICE_DESK_PASSWORD: 'whatever it is' }),
    ).rejects.toMatchObject({ code: 1 });
  });

  it('the sign-in form issues its own cookies and token', async () => {
    const form = await loginForm(t.baseUrl);
    expect(Object.keys(form.cookies).sort()).toEqual(['nd_login', 'nd_login_csrf']);
    expect(form.csrfToken.length).toBeGreaterThan(20);
  });
});
