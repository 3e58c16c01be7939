import type { Browser, BrowserContext } from 'playwright-core';
import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from '../helpers/app';
import { launchBrowser, screenshot } from '../helpers/browser';
import { createStaff } from '../helpers/staff';

/**
 * The admin's all-cases list and audit log in Chromium, in Chinese and English: an admin finds a
 * decided case by its complainant, opens it from the list, and reads the case's audit events with
 * their seals. Order-independent: its own cases, found by the complainant's name.
 */
describe('reports: all cases and audit log in the browser', () => {
  let t: TestApp;
  let db: DataSource;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const tag = `报表${Date.now().toString(36)}`;
  let admin: { id: string; email: string; password: string };
  const refs: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({ TIMER_WORKER: 'false' });
    db = t.app.get(DataSource);
    browser = await launchBrowser();
    admin = await createStaff(db, { role: 'admin', displayName: '赵管理' });
    const list = (await (await fetch(`${t.baseUrl}/api/v1/articles?limit=200`)).json()) as {
      items: Array<{ slug: string; url: string }>;
    };
    for (const n of [1, 2]) {
      const res = await fetch(`${t.baseUrl}/api/v1/complaints`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          legalBasis: 'accuracy',
          locale: 'zh-CN',
          complainant: { name: `${tag} 投诉人${n}`, email: `r${n}.${Date.now()}@example.test` },
          items: [{ articleUrl: list.items[n].url, kind: 'article' }],
          explanation: '文章中的日期有误，应为 2024 年。',
          declarations: { truthful: true },
        }),
      });
      expect(res.status).toBe(201);
      refs.push(((await res.json()) as { reference: string }).reference);
    }
    // The first is decided (as if upheld by the admin): the list must still show it and open it.
    await db.query(`UPDATE complaint SET state = 'rejected', decided_by = $2 WHERE reference = $1`, [
      refs[0],
      admin.id,
    ]);
  }, 90000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await t?.close();
  });

  for (const lang of ['zh-CN', 'en'] as const) {
    it(`lists all cases, opens a decided one, and shows its audit events (${lang})`, async () => {
      const context = await browser.newContext({ locale: lang, viewport: { width: 1440, height: 900 } });
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(`${t.baseUrl}/staff/login?lang=${lang}`);
      await page.locator('input[name="email"]').fill(admin.email);
      await page.locator('input[name="password"]').fill(admin.password);
      await Promise.all([page.waitForNavigation(), page.locator('form button[type="submit"]').first().click()]);

      await page.goto(`${t.baseUrl}/staff/cases?lang=${lang}`);
      await page.locator('#cases-complainant').fill(tag);
      await Promise.all([page.waitForNavigation(), page.locator('form[role="search"] button[type="submit"]').click()]);
      expect(await page.locator('table[data-cases] tbody tr').count()).toBe(2);
      const decided = page.locator(`tr[data-reference="${refs[0]}"]`);
      await expect(decided.locator('[data-state]').getAttribute('data-state')).resolves.toBe('rejected');
      await expect(decided.textContent()).resolves.toContain('赵管理');
      expect(await page.locator('.staff-nav a[href="/staff/cases"][aria-current="page"]').count()).toBe(1);
      await screenshot(page, `reports-cases-${lang}`);

      await Promise.all([page.waitForNavigation(), decided.locator('a').first().click()]);
      expect(new URL(page.url()).pathname).toBe(`/staff/complaints/${refs[0]}`);

      await page.goto(`${t.baseUrl}/staff/audit?reference=${refs[0]}&lang=${lang}`);
      const rows = page.locator('table[data-audit] tbody tr');
      expect(await rows.count()).toBeGreaterThan(0);
      await expect(rows.first().textContent()).resolves.toContain(refs[0]);
      expect(await page.locator('a[data-export="csv"]').getAttribute('href')).toBe(
        `/api/v1/audit/export?reference=${refs[0]}&format=csv`,
      );
      await screenshot(page, `reports-audit-${lang}`);
    });
  }
});
