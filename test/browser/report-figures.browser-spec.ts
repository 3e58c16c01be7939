import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { DataSource } from 'typeorm';
import { loadReportFixture } from '../factories/report-fixture';
import { startTestApp, TestApp } from '../helpers/app';
import { launchBrowser, screenshot, SCREENSHOT_DIR, signInPage } from '../helpers/browser';
import { createStaff, tokenStaff } from '../helpers/staff';

/**
 * The period reports in Chromium, in Chinese and English: an admin opens /staff/reports from the
 * navigation, picks March 2021 in the period form, and reads every section's chart and table
 * (the fixture of report-figures.e2e-spec.ts); a print rendering leaves the form and links out.
 * Screenshots: test-results/screenshots/report-figures-*.png.
 */
describe('reports: period figures in the browser', () => {
  let t: TestApp;
  let db: DataSource;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let admin: { email: string; password: string };

  beforeAll(async () => {
    t = await startTestApp({ TIMER_WORKER: 'false', AUDIT_SEAL_MS: '3600000', LOG_LEVEL: 'error' });
    db = t.app.get(DataSource);
    browser = await launchBrowser();
    admin = await createStaff(db, { role: 'admin', displayName: '周管理' });
    await loadReportFixture(db, {
      admin: await tokenStaff(db, 'admin', '钱复核'),
      mod1: await tokenStaff(db, 'moderator', 'Li Moderator'),
      mod2: await tokenStaff(db, 'moderator', '孙审核'),
    });
  }, 90000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await t?.close();
  });

  for (const lang of ['zh-CN', 'en'] as const) {
    it(`shows every section of a chosen month as a chart and a table (${lang})`, async () => {
      const context = await browser.newContext({ locale: lang, viewport: { width: 1280, height: 900 } });
      contexts.push(context);
      const page = await context.newPage();
      await signInPage(page, t.baseUrl, admin.email, admin.password, lang);

      await page.goto(`${t.baseUrl}/staff/queue`);
      await Promise.all([page.waitForNavigation(), page.locator('.staff-nav a[href="/staff/reports"]').click()]);
      expect(await page.locator('.staff-nav a[href="/staff/reports"][aria-current="page"]').count()).toBe(1);
      // The default is the current month; choose March 2021.
      await page.locator('#figures-kind').selectOption('month');
      await page.locator('#figures-month').fill('2021-03');
      await Promise.all([page.waitForNavigation(), page.locator('.figures__form button[type="submit"]').click()]);
      await expect(page.locator('.figures__period').getAttribute('data-period-first')).resolves.toBe('2021-03-01');

      expect(await page.locator('section[data-section]').count()).toBe(12);
      expect(await page.locator('section[data-section] svg.chart[role="img"]').count()).toBe(12);
      // Every chart is named for assistive technology, and each bar reads its figure.
      const titles = await page.locator('svg.chart > title').allTextContents();
      expect(titles.every((x) => x.trim().length > 0)).toBe(true);
      const decision = page.locator(
        'section[data-section="times"] g.chart__datum[data-key="decision"][data-series="median_hours"]',
      );
      await expect(decision.getAttribute('data-value')).resolves.toBe('72');
      await expect(
        page.locator('table[data-table="times"] tr[data-key="decision"] td[data-col="p90_working_days"]').textContent(),
      ).resolves.toBe('2.6');
      await expect(
        page
          .locator('table[data-table="appeals"] tr[data-key="reversed"] td[data-col="share_of_decided"]')
          .textContent(),
      ).resolves.toBe('50 %');
      const basis = page.locator('section[data-section="by-basis"] table tbody tr');
      expect(await basis.count()).toBe(5);
      await expect(page.locator('section[data-section="by-basis"] table').textContent()).resolves.toContain(
        lang === 'en' ? 'US DMCA' : '美国',
      );
      // Bars are drawn in proportion: cn-copyright (3) three times as long as accuracy (1).
      const width = async (key: string) =>
        Number(
          await page
            .locator(`section[data-section="by-basis"] g.chart__datum[data-key="${key}"] rect`)
            .getAttribute('width'),
        );
      expect(await width('cn-copyright')).toBeCloseTo(3 * (await width('accuracy')), 0);
      // Labels stay inside the drawing: no text overflows the SVG's left edge.
      await screenshot(page, `report-figures-${lang}`);
      const overflow = await page.evaluate<string[]>(
        `[...document.querySelectorAll('svg.chart')].flatMap((svg) => {
           const box = svg.getBoundingClientRect();
           return [...svg.querySelectorAll('text')]
             .filter((el) => el.getBoundingClientRect().left < box.left - 1 || el.getBoundingClientRect().right > box.right + 1)
             .map((el) => svg.dataset.chart + ': ' + el.textContent);
         })`,
      );
      expect(overflow).toEqual([]);

      // Printable: no navigation, form or export links; every chart still there.
      await page.emulateMedia({ media: 'print' });
      expect(await page.locator('.figures__form').isVisible()).toBe(false);
      expect(await page.locator('.staff-nav').isVisible()).toBe(false);
      expect(await page.locator('.figures__exports').first().isVisible()).toBe(false);
      expect(await page.locator('svg.chart').first().isVisible()).toBe(true);
      await screenshot(page, `report-figures-print-${lang}`);
      await page.emulateMedia({ media: 'screen' });

      // The CSV link of a section downloads it.
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.locator('section[data-section="outcomes"] a[data-export="csv"]').click(),
      ]);
      expect(download.suggestedFilename()).toBe('outcomes-2021-03-01-2021-03-31.csv');
    }, 60000);
  }
  for (const lang of ['zh-CN', 'en'] as const) {
    it(`opens the yearly transparency report from the reports page and prints it as a document (${lang})`, async () => {
      const context = await browser.newContext({ locale: lang, viewport: { width: 1280, height: 900 } });
      contexts.push(context);
      const page = await context.newPage();
      await signInPage(page, t.baseUrl, admin.email, admin.password, lang);

      await page.goto(`${t.baseUrl}/staff/reports`);
      await page.locator('#transparency-year').fill('2021');
      await Promise.all([
        page.waitForNavigation(),
        page.locator('.figures__transparency button[type="submit"]').click(),
      ]);
      expect(new URL(page.url()).pathname).toBe('/staff/reports/transparency');
      await expect(page.locator('h1').textContent()).resolves.toBe(
        lang === 'en' ? 'Transparency report 2021' : '2021 年度透明度报告',
      );
      expect(await page.locator('section[data-section]').count()).toBe(10);
      expect(await page.locator('section[data-section] svg.chart[role="img"]').count()).toBe(10);
      // The action taken by category (DSA Art. 15(1)(b)), with its CSV download.
      await expect(
        page
          .locator(
            'table[data-table="actions-by-category"] tr[data-key="STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE"] td[data-col="on_law"]',
          )
          .textContent(),
      ).resolves.toBe('1');
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.locator('section[data-section="actions-by-category"] a[data-export="csv"]').click(),
      ]);
      expect(download.suggestedFilename()).toBe('actions-by-category-2021-01-01-2021-12-31.csv');
      await page
        .locator('section[data-section="actions-by-category"]')
        .screenshot({ path: join(SCREENSHOT_DIR, `transparency-actions-by-category-${lang}.png`) });
      await expect(
        page.locator('table[data-table="summary"] tr[data-key="notices_received"] td').getAttribute('data-value'),
      ).resolves.toBe('8');
      await expect(
        page
          .locator('table[data-table="appeal-times"] tr[data-key="appeal_decision"] td[data-col="median_hours"]')
          .textContent(),
      ).resolves.toBe('108.5');
      expect(await page.locator('[data-statement]').count()).toBe(3);
      const overflow = await page.evaluate<string[]>(
        `[...document.querySelectorAll('svg.chart')].flatMap((svg) => {
           const box = svg.getBoundingClientRect();
           return [...svg.querySelectorAll('text')]
             .filter((el) => el.getBoundingClientRect().left < box.left - 1 || el.getBoundingClientRect().right > box.right + 1)
             .map((el) => svg.dataset.chart + ': ' + el.textContent);
         })`,
      );
      expect(overflow).toEqual([]);
      await screenshot(page, `transparency-${lang}`);

      await page.emulateMedia({ media: 'print' });
      expect(await page.locator('.staff-nav').isVisible()).toBe(false);
      expect(await page.locator('.transparency__back').isVisible()).toBe(false);
      expect(await page.locator('svg.chart').first().isVisible()).toBe(true);
      await screenshot(page, `transparency-print-${lang}`);
      const pdf = await page.pdf({ format: 'A4' });
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    }, 60000);
  }
  for (const lang of ['zh-CN', 'en'] as const) {
    it(`shows a bad year or period beside its field and takes a corrected one (${lang})`, async () => {
      const context = await browser.newContext({ locale: lang, viewport: { width: 1280, height: 900 } });
      contexts.push(context);
      const page = await context.newPage();
      await signInPage(page, t.baseUrl, admin.email, admin.password, lang);

      const res = await page.goto(`${t.baseUrl}/staff/reports/transparency?year=1800`);
      expect(res?.status()).toBe(422);
      const field = page.locator('.transparency__form .field.has-error');
      await expect(field.locator('.field-error').textContent()).resolves.toBe(
        lang === 'en' ? 'Year: four digits, from 2000 to 2999' : '年份：四位数字，2000 至 2999 年',
      );
      await expect(field.locator('#transparency-year').inputValue()).resolves.toBe('1800');
      // Beside the field: the message sits between the label and the input, inside the marked field.
      const box = async (sel: string) => (await field.locator(sel).boundingBox()) ?? { x: 0, y: 0, height: 0 };
      expect((await box('.field-error')).y).toBeGreaterThan((await box('label')).y);
      expect((await box('.field-error')).y).toBeLessThan((await box('#transparency-year')).y);
      await screenshot(page, `transparency-bad-year-${lang}`);
      await page.locator('#transparency-year').fill('2021');
      await Promise.all([page.waitForNavigation(), page.locator('.transparency__form button[type="submit"]').click()]);
      await expect(page.locator('h1').textContent()).resolves.toBe(
        lang === 'en' ? 'Transparency report 2021' : '2021 年度透明度报告',
      );
      expect(await page.locator('.field-error').count()).toBe(0);

      const bad = await page.goto(`${t.baseUrl}/staff/reports?kind=custom&from=2021-03-10&to=2021-03-01`);
      expect(bad?.status()).toBe(422);
      const to = page.locator('.figures__field--to.has-error');
      expect(await to.isVisible()).toBe(true);
      await expect(to.locator('.field-error').textContent()).resolves.toContain(lang === 'en' ? '“To”' : '“截止日”');
      await screenshot(page, `report-figures-bad-period-${lang}`);
    }, 60000);
  }
});
