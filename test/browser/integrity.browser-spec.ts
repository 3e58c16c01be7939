import type { Browser, BrowserContext } from 'playwright-core';
import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from '../helpers/app';
import { launchBrowser, screenshot } from '../helpers/browser';
import { createStaff } from '../helpers/staff';

/**
 * /staff/integrity in Chromium, Chinese and English: an admin reaches it from the staff nav,
 * clicks "verify now" and reads the result with the newest seal hash. The database is shared with
 * other browser specs, so nothing is tampered here (test/integrity.e2e-spec.ts does that).
 */
describe('integrity: audit trail verification page in the browser', () => {
  let t: TestApp;
  let db: DataSource;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let admin: { email: string; password: string };

  beforeAll(async () => {
    t = await startTestApp({ TIMER_WORKER: 'false' });
    db = t.app.get(DataSource);
    browser = await launchBrowser();
    admin = await createStaff(db, { role: 'admin', displayName: '钱管理' });
  }, 90000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await t?.close();
  });

  for (const lang of ['zh-CN', 'en'] as const) {
    it(`verifies the trail from the page and shows the newest seal hash (${lang})`, async () => {
      const context = await browser.newContext({ locale: lang, viewport: { width: 1280, height: 800 } });
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(`${t.baseUrl}/staff/login?lang=${lang}`);
      await page.locator('input[name="email"]').fill(admin.email);
      await page.locator('input[name="password"]').fill(admin.password);
      await Promise.all([page.waitForNavigation(), page.locator('form button[type="submit"]').first().click()]);

      await page.goto(`${t.baseUrl}/staff/queue?lang=${lang}`);
      await Promise.all([page.waitForNavigation(), page.locator('.staff-nav a[href="/staff/integrity"]').click()]);
      await Promise.all([page.waitForNavigation(), page.locator('form.integrity__run button[type="submit"]').click()]);
      expect(new URL(page.url()).pathname).toBe('/staff/integrity');
      expect(await page.locator('.staff-nav a[href="/staff/integrity"][aria-current="page"]').count()).toBe(1);
      const result = page.locator('[data-integrity="ok"], [data-integrity="broken"]');
      expect(await result.count()).toBe(1);
      const [run] = await db.query<Array<{ last_hash: string | null }>>(
        `SELECT last_hash FROM integrity_run WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1`,
      );
      if (run.last_hash) await expect(page.locator('.integrity__hash').textContent()).resolves.toBe(run.last_hash);
      await screenshot(page, `integrity-${lang}`);
    });
  }
});
