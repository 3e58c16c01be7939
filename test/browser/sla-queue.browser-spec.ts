import type { Browser, BrowserContext } from 'playwright-core';
import { DataSource } from 'typeorm';
import { dateInRegion } from '../../src/calendar/calendar-date';
import { WorkingDays } from '../../src/calendar/working-days.service';
import { endOfDay } from '../../src/complaints/sla';
import { startTestApp, TestApp } from '../helpers/app';
import { launchBrowser, screenshot } from '../helpers/browser';
import { createStaff } from '../helpers/staff';

/**
 * The queue's time-left column in Chromium, in Chinese and English: cases due in working days,
 * in hours, and overdue by hours and by working days. Order-independent: its own cases, found by
 * a search on their complainant name.
 */
describe('queue: time left and overdue in the browser', () => {
  let t: TestApp;
  let db: DataSource;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const tag = `时限${Date.now().toString(36)}`;
  let mod: { email: string; password: string };
  const refs: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp({ TIMER_WORKER: 'false' });
    db = t.app.get(DataSource);
    browser = await launchBrowser();
    mod = await createStaff(db, { role: 'moderator', displayName: '李审核' });
    const list = (await (await fetch(`${t.baseUrl}/api/v1/articles?limit=200`)).json()) as {
      items: Array<{ slug: string; url: string }>;
    };
    const forum = list.items.find((a) => a.slug === 'shanghai-sister-cities-forum') as { url: string };
    const cal = await t.app.get(WorkingDays).calendar('cn');
    const [{ now }] = await db.query<Array<{ now: Date }>>(`SELECT now()`);
    const today = dateInRegion('cn', now);
    const dues: Record<string, { basis: string; due: Date }> = {
      days: { basis: 'accuracy', due: endOfDay('cn', cal.addWorkingDays(today, 2)) },
      hours: { basis: 'accuracy', due: new Date(now.getTime() + 7.5 * 3_600_000) },
      lateHours: { basis: 'us-dmca', due: new Date(now.getTime() - 4.5 * 3_600_000) },
      lateDays: { basis: 'accuracy', due: new Date(now.getTime() - 9 * 86_400_000) },
    };
    for (const [key, { basis, due }] of Object.entries(dues)) {
      const dmca = basis === 'us-dmca';
      const res = await fetch(`${t.baseUrl}/api/v1/complaints`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          legalBasis: basis,
          locale: 'zh-CN',
          complainant: {
            name: `${tag} ${key}`,
            email: `${key}.${Date.now()}@example.test`,
            ...(dmca ? { address: '1 Main St', phone: '+1 555 0100' } : {}),
          },
          items: [{ articleUrl: forum.url, kind: 'article' }],
          explanation: '文章中的日期有误。',
          ...(dmca
            ? {
                originalWork: { description: 'photo' },
                signature: 'Pat Doe',
                declarations: { truthful: true, goodFaith: true, perjury: true },
              }
            : { declarations: { truthful: true } }),
        }),
      });
      expect(res.status).toBe(201);
      refs[key] = ((await res.json()) as { reference: string }).reference;
      await db.query(`UPDATE complaint SET due_at = $2 WHERE reference = $1`, [refs[key], due]);
    }
  }, 90000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await t?.close();
  });

  for (const [lang, expected] of [
    ['zh-CN', { days: '剩余 2 个工作日', hours: '剩余 8 小时', lateHours: '逾期 5 小时', lateDays: '个工作日' }],
    [
      'en',
      {
        days: '2 working days left',
        hours: '8 hours left',
        lateHours: '5 hours overdue',
        lateDays: 'working days overdue',
      },
    ],
  ] as const) {
    it(`shows time left and overdue per case (${lang})`, async () => {
      const context = await browser.newContext({ locale: lang, viewport: { width: 1440, height: 900 } });
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(`${t.baseUrl}/staff/login?lang=${lang}`);
      await page.locator('input[name="email"]').fill(mod.email);
      await page.locator('input[name="password"]').fill(mod.password);
      await Promise.all([page.waitForNavigation(), page.locator('form button[type="submit"]').first().click()]);
      await page.goto(`${t.baseUrl}/staff/queue?q=${encodeURIComponent(tag)}&lang=${lang}`);
      for (const [key, text] of Object.entries(expected)) {
        const cell = page.locator(`tr[data-reference="${refs[key]}"] [data-time-left]`);
        await expect(cell.textContent()).resolves.toContain(text);
      }
      expect(await page.locator(`tr[data-reference="${refs.lateDays}"] .queue-due__left--late`).count()).toBe(1);
      expect(await page.locator(`tr[data-reference="${refs.days}"] .queue-due__left--late`).count()).toBe(0);
      await screenshot(page, `queue-time-left-${lang}`);
    });
  }
});
