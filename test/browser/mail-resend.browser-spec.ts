import type { Browser, BrowserContext } from 'playwright-core';
import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from '../helpers/app';
import { launchBrowser, screenshot, signInPage } from '../helpers/browser';
import { fileComplaint } from '../helpers/filing';
import { createStaff } from '../helpers/staff';

/** A moderator sends a complainant's receipt again from the case page's mail panel (Chinese and English). */
describe('sending a case message again from the case page, in the browser', () => {
  let t: TestApp;
  let db: DataSource;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let moderator: { email: string; password: string };
  let articleUrl: string;

  beforeAll(async () => {
    t = await startTestApp({ TIMER_WORKER: 'false' });
    db = t.app.get(DataSource);
    browser = await launchBrowser();
    moderator = await createStaff(db, { role: 'moderator', displayName: '孙审核' });
    const list = (await (await fetch(`${t.baseUrl}/api/v1/articles?limit=1`)).json()) as {
      items: Array<{ url: string }>;
    };
    articleUrl = list.items[0].url;
  }, 90000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await t?.close();
  });

  for (const lang of ['zh-CN', 'en'] as const) {
    it(`queues the receipt again and says so (${lang})`, async () => {
      const { reference } = await fileComplaint(t.baseUrl, { locale: lang, items: [{ articleUrl, kind: 'article' }] });
      for (let i = 0; i < 100; i++) {
        const [job] = await db.query<Array<{ state: string }>>(
          `SELECT j.state FROM mail_job j JOIN complaint c ON c.id = j.complaint_id
            WHERE c.reference = $1 AND j.template = 'complaint-receipt'`,
          [reference],
        );
        if (job?.state === 'sent') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const context = await browser.newContext({ locale: lang, viewport: { width: 1280, height: 900 } });
      contexts.push(context);
      const page = await context.newPage();
      await signInPage(page, t.baseUrl, moderator.email, moderator.password, lang);

      await page.goto(`${t.baseUrl}/staff/complaints/${reference}?lang=${lang}`);
      const button = page.locator('tr[data-mail="complaint-receipt"] form.case-mail-resend button');
      expect(await button.count()).toBe(1);
      await button.scrollIntoViewIfNeeded();
      await screenshot(page, `case-mail-resend-${lang}`);
      await Promise.all([page.waitForNavigation(), button.click()]);
      expect(new URL(page.url()).searchParams.get('done')).toBe('resend');
      await expect(page.locator('body').textContent()).resolves.toContain(
        lang === 'en' ? 'The message is queued again' : '邮件已重新排队发送',
      );
      // The copy is listed, waiting or sent, and offers no second copy while the first one waits.
      expect(await page.locator('tr[data-mail="complaint-receipt"]').count()).toBe(2);
      await page.locator('#sec-mail').scrollIntoViewIfNeeded();
      await screenshot(page, `case-mail-resent-${lang}`);
    });
  }
});
