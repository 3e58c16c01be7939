import type { Browser } from 'playwright-core';
import { DataSource } from 'typeorm';
import { dateInRegion } from '../src/calendar/calendar-date';
import { coverage } from '../src/calendar/holiday-sources';
import { WorkingDays } from '../src/calendar/working-days.service';
import { launchBrowser, screenshot } from './helpers/browser';
import { startTestApp, TestApp } from './helpers/app';
import { createStaff, signIn, StaffSession, TestStaff } from './helpers/staff';

const API = '/api/v1/calendar/overrides';

/**
 * The working-day calendar's admin side over HTTP: the JSON API and the page's forms (CSRF, roles,
 * errors, audit events), each change seen at once by WorkingDays; then the page in Chromium, in
 * Chinese and English (screenshots under test-results/screenshots/calendar-*.png).
 */
describe('calendar overrides (admin page and API)', () => {
  let t: TestApp;
  let db: DataSource;
  let days: WorkingDays;
  let adminUser: TestStaff;
  let admin: StaffSession;
  let moderator: StaffSession;

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    days = t.app.get(WorkingDays);
    const [a, m] = await Promise.all([
      createStaff(db, { role: 'admin', displayName: '法务 Legal lead' }),
      createStaff(db, { role: 'moderator' }),
    ]);
    adminUser = a;
    [admin, moderator] = await Promise.all([
      signIn(t.baseUrl, a.email, a.password),
      signIn(t.baseUrl, m.email, m.password),
    ]);
  });

  afterAll(async () => {
    await t?.close();
  });

  const call = (who: StaffSession | null, method: string, path: string, body?: unknown) =>
    fetch(`${t.baseUrl}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        ...(who ? { cookie: who.cookie, 'x-csrf-token': who.csrfToken } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  const auditActions = async (subjectId: string) =>
    (
      await db.query<Array<{ action: string; actor_id: string; payload: Record<string, unknown> }>>(
        `SELECT action, actor_id, payload FROM audit_event WHERE subject_type = 'calendar_override' AND subject_id = $1 ORDER BY id`,
        [subjectId],
      )
    ).map((r) => ({ action: r.action, actorId: r.actor_id, payload: r.payload }));

  it('API: an admin adds and removes an override; WorkingDays sees each change at once; both are audited', async () => {
    expect(await days.addWorkingDays('us', '2026-12-18', 10)).toBe('2027-01-05');

    const list = await call(admin, 'GET', `${API}?year=2026`);
    expect(list.status).toBe(200);
    const body = (await list.json()) as {
      year: number;
      items: unknown[];
      coverage: Array<{ region: string; covered: boolean }>;
    };
    expect(body).toMatchObject({ year: 2026, items: [] });
    const thisYear = Number(dateInRegion('cn', new Date()).slice(0, 4));
    expect(body).toMatchObject({ nextYear: coverage('cn', thisYear + 1) });
    expect(body.coverage).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ region: 'cn', covered: true }),
        expect.objectContaining({ region: 'us', covered: true }),
      ]),
    );

    const added = await call(admin, 'POST', API, {
      region: 'us',
      date: '2026-12-24',
      kind: 'holiday',
      note: 'Executive order',
    });
    expect(added.status).toBe(201);
    expect(await added.json()).toMatchObject({
      region: 'us',
      date: '2026-12-24',
      kind: 'holiday',
      note: 'Executive order',
      createdBy: '法务 Legal lead',
    });
    expect(await days.addWorkingDays('us', '2026-12-18', 10)).toBe('2027-01-06');
    expect(await days.isWorkingDay('us', new Date('2026-12-24T15:00:00Z'))).toBe(false);

    const again = await call(admin, 'POST', API, { region: 'us', date: '2026-12-24', kind: 'working' });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ statusCode: 409, code: 'CONFLICT' });

    const listed = (await (await call(admin, 'GET', `${API}?year=2026&region=us`)).json()) as {
      items: Array<{ date: string }>;
    };
    expect(listed.items.map((i) => i.date)).toEqual(['2026-12-24']);

    const removed = await call(admin, 'DELETE', `${API}/us/2026-12-24`);
    expect(removed.status).toBe(204);
    expect(await days.addWorkingDays('us', '2026-12-18', 10)).toBe('2027-01-05');
    const gone = await call(admin, 'DELETE', `${API}/us/2026-12-24`);
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });

    expect(await auditActions('us:2026-12-24')).toEqual([
      {
        action: 'calendar.override_added',
        actorId: adminUser.id,
        payload: { region: 'us', date: '2026-12-24', kind: 'holiday', note: 'Executive order' },
      },
      {
        action: 'calendar.override_removed',
        actorId: adminUser.id,
        payload: { region: 'us', date: '2026-12-24', kind: 'holiday', note: 'Executive order' },
      },
    ]);
  });

  it('API: bad input is a 422 naming each field', async () => {
    const res = await call(admin, 'POST', API, {
      region: 'eu',
      date: '2026-02-30',
      kind: 'maybe',
      note: 'x'.repeat(201),
    });
    expect(res.status).toBe(422);
    const body = (await res.json()) as {
      statusCode: number;
      code: string;
      message: string;
      details: Array<{ field: string; rule: string }>;
    };
    expect(body).toMatchObject({ statusCode: 422, code: 'VALIDATION' });
    expect(body.details.map((d) => `${d.field}:${d.rule}`)).toEqual([
      'region:invalid',
      'date:invalid',
      'kind:invalid',
      'note:maxLength',
    ]);
    const year = await call(admin, 'GET', `${API}?year=1999`);
    expect(year.status).toBe(422);
    expect(await year.json()).toMatchObject({ code: 'VALIDATION', details: [{ field: 'year', rule: 'invalid' }] });
  });

  it('deny by default: a moderator gets 403, nobody 401, a session without the CSRF token 403', async () => {
    for (const [method, path, body] of [
      ['GET', API, undefined],
      ['POST', API, { region: 'cn', date: '2026-10-09', kind: 'holiday' }],
      ['DELETE', `${API}/cn/2026-10-09`, undefined],
      ['GET', '/staff/calendar', undefined],
      ['POST', '/staff/calendar', { region: 'cn', date: '2026-10-09', kind: 'holiday' }],
    ] as const) {
      const res = await call(moderator, method, path, body);
      expect([method, path, res.status]).toEqual([method, path, 403]);
    }
    const api = await call(moderator, 'GET', API);
    expect(await api.json()).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
    expect((await call(null, 'GET', API)).status).toBe(401);
    const page = await call(null, 'GET', '/staff/calendar');
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toContain('/staff/login');
    const noCsrf = await fetch(`${t.baseUrl}${API}`, {
      method: 'POST',
      headers: { cookie: admin.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ region: 'cn', date: '2026-10-09', kind: 'holiday' }),
    });
    expect(noCsrf.status).toBe(403);
    expect(await noCsrf.json()).toMatchObject({ code: 'CSRF' });
    expect(await db.query(`SELECT 1 FROM calendar_override`)).toEqual([]);
  });

  it('page: an admin adds an override with the form, sees it listed, gets errors in place, and removes it', async () => {
    const form = (fields: Record<string, string>, path = '/staff/calendar', csrf = admin.csrfToken) =>
      fetch(`${t.baseUrl}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: admin.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, ...fields }),
      });

    const page = await call(admin, 'GET', '/staff/calendar?year=2025');
    expect(page.status).toBe(200);
    const html = await page.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(token).not.toBe('');
    expect(html).toContain('data-package-day="2025-10-01"');
    expect(html).toContain('data-empty="overrides"');
    const nextYear = Number(dateInRegion('cn', new Date()).slice(0, 4)) + 1;
    expect(html.includes(`data-banner="next-year" data-year="${nextYear}"`)).toBe(!coverage('cn', nextYear).covered);

    expect(await days.isWorkingDay('cn', '2025-10-08')).toBe(false);
    const add = await form(
      { region: 'cn', date: '2025-10-08', kind: 'working', note: '<b>补班</b>' },
      '/staff/calendar',
      token,
    );
    expect(add.status).toBe(303);
    expect(add.headers.get('location')).toBe('/staff/calendar?year=2025&done=added');
    expect(await days.isWorkingDay('cn', '2025-10-08')).toBe(true);
    expect(await days.addWorkingDays('cn', '2025-09-30', 1)).toBe('2025-10-08');

    const listed = await (await call(admin, 'GET', '/staff/calendar?year=2025&done=added&lang=en')).text();
    expect(listed).toContain('data-override="cn:2025-10-08" data-kind="working"');
    expect(listed).toContain('&lt;b&gt;补班&lt;/b&gt;');
    expect(listed).not.toContain('<b>补班</b>');
    expect(listed).toContain('data-done="added"');

    const dup = await form({ region: 'cn', date: '2025-10-08', kind: 'holiday' });
    expect(dup.status).toBe(409);
    expect(await dup.text()).toContain('data-field="date" data-rule="taken"');
    const bad = await form({ region: 'cn', date: '8/10/2025', kind: 'holiday', note: '' });
    expect(bad.status).toBe(422);
    const badHtml = await bad.text();
    expect(badHtml).toContain('data-field="date" data-rule="invalid"');
    expect(badHtml).toContain('value="8/10/2025"');

    const remove = await form({}, '/staff/calendar/cn/2025-10-08/delete');
    expect(remove.status).toBe(303);
    expect(remove.headers.get('location')).toBe('/staff/calendar?year=2025&done=removed');
    expect(await days.isWorkingDay('cn', '2025-10-08')).toBe(false);
    expect((await auditActions('cn:2025-10-08')).map((a) => a.action)).toEqual([
      'calendar.override_added',
      'calendar.override_removed',
    ]);
  });

  describe('in Chromium', () => {
    let browser: Browser;

    beforeAll(async () => {
      browser = await launchBrowser();
    });

    afterAll(async () => {
      await browser?.close();
    });

    it('the admin adds an override from the page; screenshots in Chinese and English', async () => {
      const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
      try {
        const page = await context.newPage();
        await page.goto(`${t.baseUrl}/staff/login`);
        await page.locator('input[name="email"]').fill(adminUser.email);
        await page.locator('input[name="password"]').fill(adminUser.password);
        await Promise.all([page.waitForNavigation(), page.locator('form button[type="submit"]').first().click()]);

        await page.goto(`${t.baseUrl}/staff/calendar?year=2026&lang=zh-CN`);
        await page.locator('#override-region').selectOption('us');
        await page.locator('#override-date').fill('2026-12-24');
        await page.locator('#override-kind').selectOption('holiday');
        await page.locator('#override-note').fill('总统令：平安夜联邦机构放假');
        await Promise.all([page.waitForNavigation(), page.locator('form[action="/staff/calendar"] button').click()]);
        expect(page.url()).toContain('done=added');
        await expect(page.locator('tr[data-override="us:2026-12-24"]').count()).resolves.toBe(1);
        expect(await days.addWorkingDays('us', '2026-12-18', 10)).toBe('2027-01-06');
        await page.locator('details summary').first().click();
        await screenshot(page, 'calendar-zh');

        await page.goto(`${t.baseUrl}/staff/calendar?year=2026&lang=en`);
        await expect(page.locator('h1').textContent()).resolves.toContain('Working-day calendar 2026');
        await screenshot(page, 'calendar-en');

        await Promise.all([page.waitForNavigation(), page.locator('tr[data-override="us:2026-12-24"] button').click()]);
        expect(page.url()).toContain('done=removed');
        await expect(page.locator('tr[data-override]').count()).resolves.toBe(0);
      } finally {
        await context.close();
      }
    });
  });
});
