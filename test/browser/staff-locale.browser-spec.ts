import type { Browser, BrowserContext } from 'playwright-core';
import { DataSource } from 'typeorm';
import { AuditSealer } from '../../src/audit/audit-sealer.service';
import { IntegrityService } from '../../src/integrity/integrity.service';
import { MailWorker } from '../../src/mail/mail-worker';
import { startTestApp, TestApp } from '../helpers/app';
import { launchBrowser, screenshot, signInPage } from '../helpers/browser';
import { createStaff, TestStaff } from '../helpers/staff';

/**
 * The language choice on /staff/account in Chromium: an admin reading the Chinese page picks
 * English, the confirmation and the page come back in English, the next digest mailed to them is
 * in English; then back to 中文.
 */
describe('staff locale: choosing the language on My account in the browser', () => {
  let t: TestApp;
  let db: DataSource;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let admin: TestStaff;

  beforeAll(async () => {
    t = await startTestApp({ TIMER_WORKER: 'false' });
    db = t.app.get(DataSource);
    browser = await launchBrowser();
    admin = await createStaff(db, { role: 'admin', displayName: '周管理' });
  }, 90000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await t?.close();
  });

  const localeOf = async () =>
    (await db.query<Array<{ locale: string }>>(`SELECT locale FROM staff_user WHERE id = $1`, [admin.id]))[0].locale;

  it('switches from 中文 to English and back; the confirmation and the mail follow', async () => {
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1100, height: 800 } });
    contexts.push(context);
    const page = await context.newPage();
    await signInPage(page, t.baseUrl, admin.email, admin.password, 'zh-CN');
    await Promise.all([page.waitForNavigation(), page.locator('a[href="/staff/account"]').first().click()]);
    await page.waitForSelector('h1:has-text("我的账户")');
    expect(await page.isChecked('#locale-zh-CN')).toBe(true);
    await screenshot(page, 'staff-locale-account-zh');

    await page.locator('label[for="locale-en"]').click();
    await Promise.all([
      page.waitForNavigation(),
      page.locator('form.staff-account__locale button[type="submit"]').click(),
    ]);
    await page.waitForSelector('[data-done="locale"]');
    expect(new URL(page.url()).pathname).toBe('/staff/account');
    await expect(page.locator('h1').textContent()).resolves.toBe('My account');
    await expect(page.locator('[data-done="locale"]').textContent()).resolves.toContain(
      'Saved: the desk now writes to you in English',
    );
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('en');
    expect(await page.isChecked('#locale-en')).toBe(true);
    expect(await localeOf()).toBe('en');
    await screenshot(page, 'staff-locale-account-en');

    // The next staff mail to this admin is in English.
    await t.app.get(AuditSealer).sealNow();
    const run = await t.app.get(IntegrityService).runScheduled();
    await t.app.get(MailWorker).drain();
    const digest = t.sink.to(admin.email).find((m) => m.subject?.includes(run?.lastHash as string));
    expect(digest?.subject).toBe(`Audit trail intact: seal hash ${run?.lastHash}`);

    // Other staff pages follow the choice too (the lang cookie).
    await page.goto(`${t.baseUrl}/staff/queue`);
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('en');

    await page.goto(`${t.baseUrl}/staff/account`);
    await page.locator('label[for="locale-zh-CN"]').click();
    await Promise.all([
      page.waitForNavigation(),
      page.locator('form.staff-account__locale button[type="submit"]').click(),
    ]);
    await page.waitForSelector('[data-done="locale"]');
    await expect(page.locator('h1').textContent()).resolves.toBe('我的账户');
    await expect(page.locator('[data-done="locale"]').textContent()).resolves.toContain('已保存');
    expect(await localeOf()).toBe('zh-CN');
    await screenshot(page, 'staff-locale-account-zh-saved');
  });
});
