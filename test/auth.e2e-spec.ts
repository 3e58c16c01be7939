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

  it('issues a token on the admin page, shown once', async () => {
    const mod = await createStaff(db);
    const s = await signIn(t.baseUrl, admin.email, admin.password);
    const res = await post(`/staff/users/${mod.id}/token`, { cookie: s.cookie, 'x-csrf-token': s.csrfToken });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const token = /id="staff-secret" readonly value="(nd_[^"]+)"/.exec(await res.text())?.[1];
    expect(token).toBeDefined();
    const who = await get('/api/v1/session', { authorization: `Bearer ${token}` });
    expect(await who.json()).toMatchObject({ user: { id: mod.id, role: 'moderator' } });
    const list = await (await get('/staff/users', { cookie: s.cookie })).text();
    expect(list).not.toContain(token);
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

  it('invites a colleague with a temporary password shown once; the first sign-in activates the account', async () => {
    const s = await signIn(t.baseUrl, admin.email, admin.password);
    const email = `Invited-${Date.now()}@Desk.Example.test`;
    const res = await fetch(`${t.baseUrl}/staff/users`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: s.csrfToken, email, displayName: 'New Colleague', role: 'moderator' }),
    });
    expect(res.status).toBe(201);
    const password = /id="staff-secret" readonly value="([^"]+)"/.exec(await res.text())?.[1];
    expect(password).toBeDefined();
    const [row] = await db.query<Array<{ id: string; status: string; email: string }>>(
      `SELECT id, status, email FROM staff_user WHERE email = $1`,
      [email.toLowerCase()],
    );
    expect(row.status).toBe('invited');
    const created = await audit(row.id, 'staff.created');
    expect(created[0]).toMatchObject({
      actor_type: 'admin',
      actor_id: admin.id,
      payload: { email: email.toLowerCase(), role: 'moderator', status: 'invited' },
    });
    expect(JSON.stringify(created)).not.toContain(password);

    const dup = await fetch(`${t.baseUrl}/staff/users`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: s.csrfToken, email: email.toLowerCase(), role: 'moderator' }),
    });
    expect(dup.status).toBe(409);

    expect((await postLogin(t.baseUrl, email, password as string)).status).toBe(303);
    const [after] = await db.query<Array<{ status: string }>>(`SELECT status FROM staff_user WHERE id = $1`, [row.id]);
    expect(after.status).toBe('active');
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

  it('CLI: user:create (password from NOTICE_DESK_PASSWORD) and user:token print what they did, audited as system', async () => {
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
    const created = await cli('user-create.cli.ts', ['--email', email, '--role', 'admin', '--name', 'CLI Admin'], {
      NOTICE_DESK_PASSWORD: 'a long enough password',
    });
    expect(created.stdout).toContain(`${email} (admin) created`);
    const { stdout } = await cli('user-token.cli.ts', ['--email', email]);
    const token = stdout.trim();
    expect(token).toMatch(/^nd_[A-Za-z0-9_-]{43}$/);
    const who = await get('/api/v1/session', { authorization: `Bearer ${token}` });
    expect(await who.json()).toMatchObject({ user: { email, role: 'admin', displayName: 'CLI Admin' } });
    expect((await postLogin(t.baseUrl, email, 'a long enough password')).status).toBe(303);
    const [u] = await db.query<Array<{ id: string }>>(`SELECT id FROM staff_user WHERE email = $1`, [email]);
    const events = await audit(u.id);
    expect(events.filter((e) => e.actor_type === 'system').map((e) => e.action)).toEqual([
      'staff.created',
      'staff.token_issued',
    ]);
    await expect(cli('user-token.cli.ts', ['--email', 'nobody@desk.example.test'])).rejects.toMatchObject({ code: 1 });
  });

  it('the sign-in form issues its own cookies and token', async () => {
    const form = await loginForm(t.baseUrl);
    expect(Object.keys(form.cookies).sort()).toEqual(['nd_login', 'nd_login_csrf']);
    expect(form.csrfToken.length).toBeGreaterThan(20);
  });
});
