import type { ParsedMail } from 'mailparser';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AuditSealer } from '../src/audit/audit-sealer.service';
import { Clock } from '../src/common/clock';
import { IntegrityService } from '../src/integrity/integrity.service';
import type { IntegrityRun } from '../src/integrity/integrity.service';
import { MailRenderer } from '../src/mail/mail-renderer';
import { MailWorker } from '../src/mail/mail-worker';
import { startTestApp, TestApp } from './helpers/app';
import { testDatabaseUrl } from './helpers/database';
import { createStaff, signIn, StaffSession, TestStaff } from './helpers/staff';

const recipients = (m: ParsedMail): string[] =>
  (Array.isArray(m.to) ? m.to : m.to ? [m.to] : []).flatMap((a) => a.value.map((v) => v.address ?? ''));

/** As a superuser with the append-only triggers off: what an attacker with the database could do. */
async function tamper(sql: string): Promise<void> {
  const c = new Client({ connectionString: testDatabaseUrl() });
  await c.connect();
  try {
    await c.query('ALTER TABLE audit_event DISABLE TRIGGER ALL');
    await c.query(sql);
    await c.query('ALTER TABLE audit_event ENABLE TRIGGER ALL');
  } finally {
    await c.end();
  }
}

/**
 * Audit trail integrity (issue 8 item 4): verification runs recorded in integrity_run, the admin
 * page and API, and the scheduled daily run mailing the newest seal hash once across instances.
 */
describe('integrity: audit trail verification runs (real PostgreSQL, SMTP sink)', () => {
  let t: TestApp;
  let db: DataSource;
  let admin: TestStaff;
  let admin2: TestStaff;
  let adminSession: StaffSession;
  let modSession: StaffSession;

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    admin = await createStaff(db, { role: 'admin', displayName: 'Ada Admin' });
    admin2 = await createStaff(db, { role: 'admin', displayName: 'Bo Admin' });
    const mod = await createStaff(db, { role: 'moderator' });
    adminSession = await signIn(t.baseUrl, admin.email, admin.password);
    modSession = await signIn(t.baseUrl, mod.email, mod.password);
    await t.app.get(AuditSealer).sealNow();
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await t?.close();
  });

  const api = (path: string, session: StaffSession | null, method = 'GET') =>
    fetch(`${t.baseUrl}${path}`, {
      method,
      redirect: 'manual',
      headers: session ? { cookie: session.cookie, 'x-csrf-token': session.csrfToken } : {},
    });

  it('refuses moderators and anonymous callers on the page and the API', async () => {
    for (const [path, method] of [
      ['/api/v1/integrity', 'GET'],
      ['/api/v1/integrity/verify', 'POST'],
      ['/staff/integrity', 'GET'],
    ]) {
      expect((await api(path, modSession, method)).status).toBe(403);
      expect([302, 303, 401, 403]).toContain((await api(path, null, method)).status);
    }
    const rows = await db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM integrity_run`);
    expect(rows[0].n).toBe(0);
  });

  it('an admin runs a verification on an intact trail: recorded ok with the newest seal hash, shown on the page', async () => {
    const before = await api('/staff/integrity', adminSession);
    expect(before.status).toBe(200);
    expect(await before.text()).toContain('data-integrity="none"');

    const res = await api('/api/v1/integrity/verify', adminSession, 'POST');
    expect(res.status).toBe(200);
    const run = (await res.json()) as IntegrityRun;
    const [seal] = await db.query<Array<{ id: string; hash: string; last: string }>>(
      `SELECT id::text AS id, hash, event_ids[cardinality(event_ids)]::text AS last FROM audit_seal ORDER BY id DESC LIMIT 1`,
    );
    expect(run).toMatchObject({
      ok: true,
      running: false,
      lastHash: seal.hash,
      lastSealId: seal.id,
      lastEventId: seal.last,
      triggeredBy: admin.id,
      badEventId: null,
    });
    expect(run.eventsChecked).toBeGreaterThan(0);

    const last = (await (await api('/api/v1/integrity', adminSession)).json()) as { last: IntegrityRun };
    expect(last.last).toMatchObject({ id: run.id, ok: true, lastHash: seal.hash });

    // The page's form: CSRF-protected, runs and redirects back.
    const noCsrf = await fetch(`${t.baseUrl}/staff/integrity/verify`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: adminSession.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(noCsrf.status).toBe(403);
    const form = await fetch(`${t.baseUrl}/staff/integrity/verify`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: adminSession.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: adminSession.csrfToken }),
    });
    expect(form.status).toBe(303);
    expect(form.headers.get('location')).toBe('/staff/integrity');
    const page = await (await api('/staff/integrity', adminSession)).text();
    expect(page).toContain('data-integrity="ok"');
    expect(page).toContain(`data-last-hash="${seal.hash}"`);
    expect(page).toContain(`data-last-event="${seal.last}"`);
    expect(page).toContain('href="/staff/integrity"');
  });

  it('the scheduled run, twice the same day and by two instances at once, verifies and mails once to admins and CONTACT_EMAIL', async () => {
    const svc = t.app.get(IntegrityService);
    const [a, b] = await Promise.all([svc.runScheduled(), svc.runScheduled()]);
    const runs = [a, b].filter((r): r is IntegrityRun => r !== null);
    expect(runs).toHaveLength(1);
    expect(await svc.runScheduled()).toBeNull();
    const run = runs[0];
    expect(run).toMatchObject({ ok: true, triggeredBy: 'schedule' });
    expect(run.lastHash).toMatch(/^[0-9a-f]{64}$/);

    await t.app.get(MailWorker).drain();
    const digests = t.sink.messages.filter((m) => m.subject?.includes(run.lastHash as string));
    expect(digests.map(recipients).flat().sort()).toEqual([admin.email, admin2.email, 'desk@example.test'].sort());
    for (const m of digests) expect(m.text).toContain(run.lastHash);
    const rows = await db.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM integrity_run WHERE triggered_by = 'schedule'`,
    );
    expect(rows[0].n).toBe(1);
  });

  it('a tampered trail shows broken with the first bad event, and the next day’s run mails admins', async () => {
    await t.app.get(AuditSealer).sealNow();
    const [victim] = await db.query<Array<{ id: string; seal: string }>>(
      `SELECT event_ids[2]::text AS id, id::text AS seal FROM audit_seal ORDER BY id LIMIT 1`,
    );
    await tamper(`UPDATE audit_event SET payload = payload || '{"tampered": true}' WHERE id = ${victim.id}`);

    const res = await api('/api/v1/integrity/verify', adminSession, 'POST');
    const run = (await res.json()) as IntegrityRun;
    expect(run).toMatchObject({ ok: false, badEventId: victim.id, badSealId: victim.seal });

    for (const locale of ['zh-CN', 'en']) {
      const page = await (
        await fetch(`${t.baseUrl}/staff/integrity`, {
          headers: { cookie: `${adminSession.cookie}; nd_locale=${locale}`, 'accept-language': locale },
        })
      ).text();
      expect(page).toContain('data-integrity="broken"');
      expect(page).toContain(`data-bad-event="${victim.id}"`);
    }

    const tomorrow = new Date(Date.now() + 86_400_000);
    jest.spyOn(t.app.get(Clock), 'now').mockReturnValue(tomorrow);
    const scheduled = await t.app.get(IntegrityService).runScheduled();
    expect(scheduled).toMatchObject({ ok: false, badEventId: victim.id });
    await t.app.get(MailWorker).drain();
    const broken = t.sink.messages.filter((m) => m.subject?.includes(`事件 ${victim.id}`));
    expect(broken.map(recipients).flat()).toEqual(expect.arrayContaining([admin.email, admin2.email]));
    expect(broken[0].subject).toContain('审计日志已损坏');
  });

  it('audit-seal-digest renders in both languages, intact and broken', () => {
    const renderer = t.app.get(MailRenderer);
    const hash = 'a'.repeat(64);
    const base = {
      broken: false,
      lastHash: hash,
      lastSealId: '7',
      lastEventId: '7000',
      eventsChecked: 7000,
      sealsChecked: 7,
      verifiedAt: new Date().toISOString(),
      badEventId: null,
      badSealId: null,
      problem: null,
      pageUrl: `${t.baseUrl}/staff/integrity`,
    };
    for (const locale of ['zh-CN', 'en'] as const) {
      const ok = renderer.render('audit-seal-digest', locale, base);
      expect(ok.subject).toContain(hash);
      expect(ok.text).toContain(hash);
      expect(ok.html).toContain(hash);
      const bad = renderer.render('audit-seal-digest', locale, {
        ...base,
        broken: true,
        badEventId: '4242',
        badSealId: '5',
        problem: 'edited or reordered',
      });
      expect(bad.subject).toContain('4242');
      expect(bad.text).toContain('edited or reordered');
      expect(bad.html).toContain('4242');
    }
  });
});
