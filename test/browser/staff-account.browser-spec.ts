import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from '../helpers/app';
import { launchBrowser, screenshot } from '../helpers/browser';
import { createStaff, TestStaff } from '../helpers/staff';

/**
 * Staff accounts in a real browser: an admin invites a colleague (no password on the page), the
 * colleague opens the mailed link, chooses a password (zh, then the page in en), signs in, makes
 * their own API token and changes their password on /staff/account.
 */
describe('invitations and the account page in the browser', () => {
  let t: TestApp;
  let db: DataSource;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let admin: TestStaff;

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    browser = await launchBrowser();
    admin = await createStaff(db, { role: 'admin', displayName: '王管理' });
  });

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await t?.close();
  });

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1100, height: 800 } });
    contexts.push(context);
    return context.newPage();
  }

  async function signIn(page: Page, email: string, password: string): Promise<void> {
    await page.goto(`${t.baseUrl}/staff/login`);
    await page.fill('#email', email);
    await page.fill('#password', password);
    await Promise.all([page.waitForURL(/\/staff\/queue/), page.click('button[type=submit]')]);
  }

  it('invite, choose a password through the link, then the account page (zh and en)', async () => {
    const adminPage = await newPage();
    await signIn(adminPage, admin.email, admin.password);
    await adminPage.goto(`${t.baseUrl}/staff/users`);
    const email = `colleague-${Date.now()}@desk.example.test`;
    await adminPage.fill('#invite-email', email);
    await adminPage.fill('#invite-name', '陈同事');
    await Promise.all([
      adminPage.waitForLoadState('load'),
      adminPage.click('.staff-users__invite button[type=submit]'),
    ]);
    await adminPage.waitForSelector(`[data-invited="${email}"]`);
    expect(await adminPage.locator('#staff-secret').count()).toBe(0);
    await screenshot(adminPage, 'staff-users-invited-zh');

    const mail = await t.sink.waitFor((m) => t.sink.to(email).includes(m));
    const link = /(http:\/\/\S+\/staff\/invitation\/[A-Za-z0-9_-]{43})/.exec(mail.text ?? '')?.[1] as string;
    expect(link).toBeDefined();

    const page = await newPage();
    await page.goto(link);
    await page.waitForSelector('[data-state="form"]');
    await screenshot(page, 'staff-invitation-zh');
    await page.click('a.lang-switch');
    await page.waitForSelector('h1:has-text("Choose your password")');
    expect(page.url()).toBe(`${link}?lang=en`);
    await screenshot(page, 'staff-invitation-en');
    await page.fill('#password', 'short');
    await page.fill('#confirm', 'short');
    // The browser's own minlength check stops it first; remove it to see the server's answer.
    await page.evaluate<void>(
      `document.querySelectorAll('input[minlength]').forEach((i) => i.removeAttribute('minlength'))`,
    );
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-field="password"]');
    await screenshot(page, 'staff-invitation-error-en');
    await page.fill('#password', 'my own secret words');
    await page.fill('#confirm', 'my own secret words');
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-state="done"]');
    await screenshot(page, 'staff-invitation-done-en');

    await page.goto(`${t.baseUrl}/staff/login?lang=zh-CN`);
    await signIn(page, email, 'my own secret words');
    await page.click('a[href="/staff/account"]');
    await page.waitForSelector('h1:has-text("我的账户")');
    await screenshot(page, 'staff-account-zh');
    await page.click('form[action="/staff/account/token"] button');
    await page.waitForSelector('#staff-secret');
    expect(await page.inputValue('#staff-secret')).toMatch(/^nd_[A-Za-z0-9_-]{43}$/);
    await screenshot(page, 'staff-account-token-zh');
    await page.goto(`${t.baseUrl}/staff/account?lang=en`);
    await page.fill('#current', 'my own secret words');
    await page.fill('#password', 'a newer secret phrase');
    await page.fill('#confirm', 'a newer secret phrase');
    await page.click('form[action="/staff/account/password"] button');
    await page.waitForSelector('[data-done="password"]');
    await screenshot(page, 'staff-account-en');
  });
});
