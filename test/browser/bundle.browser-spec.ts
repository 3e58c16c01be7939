import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from '../helpers/app';
import { launchBrowser, screenshot, writeTestPng } from '../helpers/browser';
import { createStaff, DEFAULT_TEST_PASSWORD } from '../helpers/staff';
import type { TestStaff } from '../helpers/staff';

/**
 * The case page in a real browser, as an admin: the uphold form asks for the statement of reasons'
 * ground and category, prefilled from the legal basis (changed here and decided), and the
 * "Evidence bundle" button downloads the ZIP; in Chinese and English
 * (test-results/screenshots/case-ground-*.png, case-bundle-*.png).
 */
describe('case page: decision ground and evidence bundle in the browser', () => {
  let t: TestApp;
  let db: DataSource;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let admin: TestStaff;
  let forum: { url: string; images: Array<{ id: string }> };

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    browser = await launchBrowser();
    admin = await createStaff(db, { role: 'admin', displayName: '王管理' });
    const list = (await (await fetch(`${t.baseUrl}/api/v1/articles?limit=200`)).json()) as {
      items: Array<{ slug: string; url: string; images: Array<{ id: string }> }>;
    };
    forum = list.items.find((a) => a.slug === 'shanghai-sister-cities-forum') as typeof forum;
  }, 90000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await t?.close();
  });

  /** A personality-rights notice (evidence and a proof of identity, over multipart). */
  async function file(locale: 'zh-CN' | 'en'): Promise<string> {
    const form = new FormData();
    form.set(
      'complaint',
      JSON.stringify({
        legalBasis: 'cn-personal-rights',
        locale,
        complainant: { name: '赵某', email: `zhao-${locale}-${Date.now()}@example.test` },
        items: [{ articleUrl: forum.url, kind: 'image', detail: forum.images[0].id }],
        explanation: '照片配文称我涉嫌违法，与事实不符。',
        declarations: { truthful: true },
      }),
    );
    const png = readFileSync(writeTestPng('photo.png'));
    form.append('evidence', new Blob([png], { type: 'image/png' }), 'photo.png');
    form.append('identity', new Blob([png], { type: 'image/png' }), 'id.png');
    const res = await fetch(`${t.baseUrl}/api/v1/complaints`, { method: 'POST', body: form });
    expect(res.status).toBe(201);
    return ((await res.json()) as { reference: string }).reference;
  }

  async function signedIn(lang: 'zh-CN' | 'en'): Promise<Page> {
    const context = await browser.newContext({
      locale: lang,
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
    });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${t.baseUrl}/staff/login${lang === 'en' ? '?lang=en' : ''}`);
    await page.fill('#email', admin.email);
    await page.fill('#password', DEFAULT_TEST_PASSWORD);
    await Promise.all([page.waitForURL(/\/staff\/queue/), page.click('button[type=submit]')]);
    return page;
  }

  for (const lang of ['zh-CN', 'en'] as const) {
    it(`an admin confirms or changes the ground, decides, and downloads the bundle (${lang})`, async () => {
      const reference = await file(lang);
      const page = await signedIn(lang);
      const q = lang === 'en' ? '?lang=en' : '';
      await page.goto(`${t.baseUrl}/staff/complaints/${reference}${q}`);
      await Promise.all([page.waitForURL(/done=/), page.click('[data-action="claim"]')]);
      const form = page.locator('[data-form="uphold"]');
      await form.locator('summary').click();
      // Prefilled from the basis (personality rights: privacy), changed to illegal or harmful speech.
      expect(await form.locator('select[name="category"]').inputValue()).toBe(
        'STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS',
      );
      await form.locator('select[name="category"]').selectOption('STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH');
      await form.locator('select[name="remedies[0][remedy]"]').selectOption('remove_image');
      await form.locator('textarea[name="reason"]').fill('配文与事实不符，构成诽谤。');
      await form.locator('[data-need="ground"]').scrollIntoViewIfNeeded();
      await screenshot(page, `case-ground-${lang}`);
      await Promise.all([page.waitForURL(/done=/), form.locator('button[type=submit]').click()]);
      const [row] = await db.query<Array<{ state: string; decision_category: string }>>(
        `SELECT state, decision_category FROM complaint WHERE reference = $1`,
        [reference],
      );
      expect(row).toEqual({ state: 'actioned', decision_category: 'STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH' });

      const button = page.locator('[data-bundle]');
      expect(await button.innerText()).toBe(lang === 'en' ? 'Evidence bundle (ZIP)' : '证据包（ZIP）');
      await screenshot(page, `case-bundle-${lang}`);
      const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
      expect(download.suggestedFilename()).toBe(`${reference}-bundle.zip`);
      const zip = readFileSync(await download.path());
      // A ZIP: local file header first, end of central directory last.
      expect(zip.subarray(0, 4).toString('hex')).toBe('504b0304');
      expect(zip.includes(Buffer.from(`${reference}/VERIFY.txt`))).toBe(true);
    });
  }
});
