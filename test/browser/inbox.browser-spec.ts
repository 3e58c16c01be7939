import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { Browser, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { InboxService } from '../../src/inbox/inbox.service';
import { MailWorker } from '../../src/mail/mail-worker';
import { startTestApp, TestApp } from '../helpers/app';
import { launchBrowser, screenshot } from '../helpers/browser';
import { createStaff, TestStaff } from '../helpers/staff';

const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

/**
 * The contact mailbox in a real browser: an emailed complaint waits in /staff/inbox, a moderator
 * opens it (zh, then en), files it as a new case, and lands on the case page, whose timeline shows
 * the email; the case receipt went out as a reply in the sender's thread.
 */
describe('the staff inbox in the browser', () => {
  let t: TestApp;
  let db: DataSource;
  let browser: Browser;
  let mod: TestStaff;
  let forumUrl: string;

  beforeAll(async () => {
    t = await startTestApp({ INBOX_DIR: mkdtempSync(join(tmpdir(), 'nd-inbox-')) });
    db = t.app.get(DataSource);
    browser = await launchBrowser();
    mod = await createStaff(db, { role: 'moderator', displayName: '李审核' });
    const [a] = await db.query<Array<{ url: string }>>(
      `SELECT url FROM article WHERE slug = 'shanghai-sister-cities-forum'`,
    );
    forumUrl = a.url;
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function signIn(page: Page): Promise<void> {
    await page.goto(`${t.baseUrl}/staff/login`);
    await page.fill('#email', mod.email);
    await page.fill('#password', mod.password);
    await Promise.all([page.waitForURL(/\/staff\/queue/), page.click('button[type=submit]')]);
  }

  it('a moderator files an emailed complaint as a case and sees it on the case page (zh and en)', async () => {
    const messageId = `<${randomUUID()}@browser.example>`;
    const from = `zhao-${randomUUID()}@example.org`;
    const subject = `文章日期有误 ${randomUUID().slice(0, 6)}`;
    const raw = await new MailComposer({
      from: `赵敏 <${from}>`,
      to: t.config.contactEmail,
      subject,
      messageId,
      text: `您好：\n\n贵站文章 ${forumUrl} 第二段的日期有误，应为 5 月 3 日。附上当日的会议通知。\n\n赵敏`,
      html: `<p>您好：</p><p>贵站<a href="${forumUrl}">文章</a>第二段的日期有误，应为 <b>5 月 3 日</b>。</p><script>alert(1)</script><img src="https://tracker.example/p.gif">`,
      attachments: [
        { filename: '会议通知.pdf', content: pdf },
        { filename: 'winmail.dat', content: Buffer.from('xx'), contentType: 'application/ms-tnef' },
      ],
    })
      .compile()
      .build();
    const filed = await t.app.get(InboxService).receive(raw, 'smtp');
    await t.app.get(MailWorker).drain();

    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    await signIn(page);
    await page.goto(`${t.baseUrl}/staff/inbox?q=${encodeURIComponent(subject)}`);
    await page.waitForSelector(`[data-message="${filed.reference}"]`);
    await screenshot(page, 'inbox-list-zh');
    await page.click(`[data-message="${filed.reference}"] a`);
    await page.waitForSelector('[data-text]');
    expect(await page.locator('[data-links] li').count()).toBe(1);
    expect(await page.locator('[data-attachments] li').count()).toBe(1);
    expect(await page.locator('[data-refused] li').count()).toBe(1);
    await page.click('.inbox-html summary');
    await screenshot(page, 'inbox-message-zh');
    await page.goto(`${page.url()}?lang=en`);
    await page.waitForSelector('h2:has-text("File this message")');
    await page.click('[data-action="new_case"] summary');
    await screenshot(page, 'inbox-message-en');

    await page.selectOption('#nc-basis', 'accuracy');
    // Nothing ticked: the basis needs the statement of accuracy, the page says which, nothing filed.
    await Promise.all([
      page.waitForSelector('.error-summary'),
      page.click('[data-action="new_case"] button[type=submit]'),
    ]);
    expect(await page.locator('.error-summary [data-field="declarations.truthful"]').count()).toBe(1);
    await screenshot(page, 'inbox-message-unstated-en');
    await page.check('input[name="stated"][value="truthful"]');
    await Promise.all([
      page.waitForURL(/\/staff\/complaints\/ND-/),
      page.click('[data-action="new_case"] button[type=submit]'),
    ]);
    const reference = /ND-\d{4}-\d{6}/.exec(page.url())![0];
    await page.waitForSelector('[data-action="complaint.mail_received"]');
    // The case's timeline links back to the message (its text, attachments, the raw hash).
    expect(await page.getAttribute('[data-action="complaint.mail_received"] [data-inbox-link]', 'href')).toBe(
      `/staff/inbox/${filed.id}`,
    );
    await screenshot(page, 'inbox-filed-case-en');
    await context.close();

    await t.app.get(MailWorker).drain();
    const receipt = t.sink.to(from).find((m) => m.subject?.includes(reference));
    expect(receipt?.inReplyTo).toBe(messageId);
  });
});
