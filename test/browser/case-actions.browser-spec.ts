import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from '../helpers/app';
import { launchBrowser, screenshot, SCREENSHOT_DIR, writeTestPng } from '../helpers/browser';
import { createStaff } from '../helpers/staff';
import type { TestStaff } from '../helpers/staff';

/**
 * The generated action forms in a real browser, every form unfolded, in Chinese and English:
 * a moderator's case in review (uphold, request information, escalate, reject, release) and an
 * admin's escalated case (approve with the proposal preselected, send back, reject). Screenshots
 * of the actions panel (case-actions-*.png) are for a person to look at.
 */
describe('case action forms in the browser', () => {
  let t: TestApp;
  let db: DataSource;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let moderator: TestStaff;
  let admin: TestStaff;
  let forum: { url: string; images: Array<{ id: string }> };

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    browser = await launchBrowser();
    [moderator, admin] = await Promise.all([
      createStaff(db, { role: 'moderator', displayName: '赵审核' }),
      createStaff(db, { role: 'admin', displayName: '钱律师' }),
    ]);
    const list = (await (await fetch(`${t.baseUrl}/api/v1/articles?limit=200`)).json()) as {
      items: Array<{ slug: string; url: string; images: Array<{ id: string }> }>;
    };
    forum = list.items.find((a) => a.slug === 'shanghai-sister-cities-forum') as typeof forum;
    await db.query(
      `INSERT INTO reply_template (name, legal_basis, locale, body, updated_by) VALUES
         ('驳回：权属证明不足（案件操作）', 'cn-copyright', 'zh-CN', '现有材料不足以证明您对该作品享有权利。', $1),
         ('Fair report (case actions)', 'eu-dsa', 'en', 'The passage is a fair report of public proceedings.', $1)`,
      [admin.id],
    );
  }, 90000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await t?.close();
  });

  async function newPage(locale: 'zh-CN' | 'en', who: TestStaff): Promise<Page> {
    const context = await browser.newContext({ locale, viewport: { width: 1440, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${t.baseUrl}/staff/login`);
    await page.locator('input[name="email"]').fill(who.email);
    await page.locator('input[name="password"]').fill(who.password);
    await Promise.all([page.waitForNavigation(), page.locator('form button[type="submit"]').first().click()]);
    return page;
  }

  async function file(
    locale: 'zh-CN' | 'en',
    email = `ca-${Date.now()}-${Math.random()}@example.test`,
    items?: Array<Record<string, string>>,
  ): Promise<string> {
    const zh = locale === 'zh-CN';
    const form = new FormData();
    form.append(
      'complaint',
      JSON.stringify({
        legalBasis: zh ? 'cn-copyright' : 'eu-dsa',
        locale,
        complainant: {
          name: zh ? '孙八' : 'Robin Vale',
          email,
          ...(zh ? { address: '北京市朝阳区示例路 8 号', phone: '+86 10 5555 0108' } : {}),
        },
        items: items ?? [
          { articleUrl: forum.url, kind: 'image', detail: forum.images[1].id },
          { articleUrl: forum.url, kind: 'passage', detail: zh ? '未经许可转载的段落。' : 'The passage copied.' },
        ],
        ...(zh ? { originalWork: { description: '摄影作品与文字作品，2025 年首次发表。' } } : {}),
        explanation: zh ? '图片与段落均为本人作品。' : 'Both the photograph and the passage are mine.',
        declarations: { truthful: true, goodFaith: true },
      }),
    );
    form.append('evidence', new Blob([readFileSync(writeTestPng('proof.png'))], { type: 'image/png' }), 'proof.png');
    const res = await fetch(`${t.baseUrl}/api/v1/complaints`, { method: 'POST', body: form });
    const body = (await res.json()) as { reference: string };
    if (res.status !== 201) throw new Error(`filing answered ${res.status}: ${JSON.stringify(body)}`);
    return body.reference;
  }

  /** The actions offered, in page order. */
  const formsOf = async (page: Page) =>
    Promise.all((await page.locator('[data-form]').all()).map((l) => l.getAttribute('data-form')));

  const submit = async (page: Page, action: string) =>
    Promise.all([page.waitForNavigation(), page.locator(`[data-action="${action}"]`).click()]);

  async function panel(page: Page, name: string): Promise<void> {
    await page.evaluate('document.querySelectorAll(".case-actions details").forEach((d) => { d.open = true; })');
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.locator('.case-actions').screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`) });
    await screenshot(page, `${name}-page`);
  }

  it.each(['zh-CN', 'en'] as const)(
    '%s: every offered form unfolds with its fields, for the moderator and the admin',
    async (locale) => {
      const reference = await file(locale);
      const page = await newPage(locale, moderator);
      await page.goto(`${t.baseUrl}/staff/complaints/${reference}?lang=${locale}`);
      expect(await formsOf(page)).toEqual(['claim', 'mark_duplicate']);
      await submit(page, 'claim');
      const forms = await formsOf(page);
      expect(forms).toEqual(['uphold', 'request_info', 'escalate', 'reject', 'release']);
      // The reply templates picker is there for the reasons and the message.
      await page.locator('[data-form="reject"] summary').click();
      expect(await page.locator('#reject-reason-tpl').isVisible()).toBe(true);
      await panel(page, `case-actions-review-${locale}`);
      // The statement's default texts are prefilled in the page's language (stored in English: decision-ground e2e).
      await expect(page.locator('#uphold-legalGround').inputValue()).resolves.toBe(
        locale === 'en'
          ? 'Notice of illegal content: EU Digital Services Act, Art. 16'
          : '著作权：《信息网络传播权保护条例》第十四条',
      );
      await expect(page.locator('#reject-groundExplanation').inputValue()).resolves.toBe(
        locale === 'en'
          ? 'The notifier gave reasons why the content is illegal; after review the notice was found valid.'
          : '权利人通知该内容侵犯著作权；经审核，通知成立。',
      );
      await page
        .locator('[data-form="uphold"] [data-need="ground"]')
        .screenshot({ path: join(SCREENSHOT_DIR, `case-ground-defaults-${locale}.png`) });

      // Escalate both items (one row per item); the admin then sees the proposal preselected.
      await page.locator('#escalate-remedy-0').selectOption('remove_image');
      await page.locator('#escalate-remedy-1').selectOption('edit_passage');
      await page
        .locator('#escalate-reason')
        .fill(locale === 'en' ? 'Both are the complainant’s.' : '图片与段落均属投诉人。');
      await submit(page, 'escalate');
      const adminPage = await newPage(locale, admin);
      await adminPage.goto(`${t.baseUrl}/staff/complaints/${reference}?lang=${locale}`);
      expect(await formsOf(adminPage)).toEqual(['approve', 'send_back', 'reject']);
      expect(await adminPage.locator('#approve-remedy-0').inputValue()).toBe('remove_image');
      expect(await adminPage.locator('#approve-remedy-1').inputValue()).toBe('edit_passage');
      await panel(adminPage, `case-actions-escalated-${locale}`);

      // A send-back without reasons: the form comes back open with the field marked.
      await submit(adminPage, 'send_back');
      expect(await adminPage.locator('#case-error').count()).toBe(1);
      expect(await adminPage.locator('[data-form="send_back"]').getAttribute('open')).not.toBeNull();
      expect(await adminPage.locator('#send_back-reason').getAttribute('aria-invalid')).toBe('true');
      await panel(adminPage, `case-actions-error-${locale}`);
    },
  );

  it.each(['zh-CN', 'en'] as const)(
    '%s: an admin warns a complainant from the case page; a later notice can then be not processed',
    async (locale) => {
      const email = `misuse-${locale}-${Date.now()}@example.test`;
      const first = await file(locale, email);
      const modPage = await newPage(locale, moderator);
      await modPage.goto(`${t.baseUrl}/staff/complaints/${first}?lang=${locale}`);
      expect(await modPage.locator('[data-misuse] form').count()).toBe(0); // moderators only read
      const page = await newPage(locale, admin);
      await page.goto(`${t.baseUrl}/staff/complaints/${first}?lang=${locale}`);
      expect(await formsOf(page)).not.toContain('not_process');
      await page.locator('[data-misuse] summary').click();
      // Without reasons the form comes back open with the message.
      await page.evaluate('document.querySelector("#misuse-reason").removeAttribute("required")');
      await Promise.all([page.waitForNavigation(), page.locator('[data-action="warn"]').click()]);
      expect(await page.locator('[data-misuse] .field-error').count()).toBe(1);
      await page
        .locator('#misuse-reason')
        .fill(locale === 'en' ? 'Three notices against accurate reports.' : '三次针对准确报道提交通知。');
      await Promise.all([page.waitForNavigation(), page.locator('[data-action="warn"]').click()]);
      expect(await page.locator('[data-warning]').count()).toBe(1);
      await page.locator('[data-misuse]').screenshot({ path: join(SCREENSHOT_DIR, `case-misuse-${locale}.png`) });

      // About other content, so it is a new notice rather than a duplicate of the undecided first.
      const later = await file(locale, email, [{ articleUrl: forum.url, kind: 'article' }]);
      await page.goto(`${t.baseUrl}/staff/complaints/${later}?lang=${locale}`);
      expect(await formsOf(page)).toContain('not_process');
      await page.locator('[data-form="not_process"] summary').click();
      await page.locator('#not_process-reason').fill(locale === 'en' ? 'Again unfounded.' : '再次缺乏依据。');
      await panel(page, `case-actions-not-process-${locale}`);
      await submit(page, 'not_process');
      const [row] = await db.query<Array<{ state: string }>>(`SELECT state FROM complaint WHERE reference = $1`, [
        later,
      ]);
      expect(row.state).toBe('not_processed');
    },
  );
});
