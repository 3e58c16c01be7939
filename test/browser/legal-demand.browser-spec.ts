import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from '../helpers/app';
import { launchBrowser, screenshot, writeTestPng } from '../helpers/browser';
import { apiToken, createStaff, TestStaff } from '../helpers/staff';

/**
 * Issue 7 in a real browser: the complaint form asks a personal-rights complainant for a proof of
 * identity (error in the page's language when it is missing), the 451 page and an image notice
 * name the legal demand, and the case page of a filing barred by 条例 Art. 17 shows its callout.
 * Screenshots in zh-CN and en (test-results/screenshots/legal-*.png). Uses news-16..news-19 only.
 */
describe('identity field, legal demand and re-notice callout in the browser', () => {
  let t: TestApp;
  let db: DataSource;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let mod: TestStaff & { token: string };
  let admin: TestStaff & { token: string };
  const articles = new Map<string, { url: string; images: Array<{ id: string }> }>();

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    browser = await launchBrowser();
    const m = await createStaff(db, { role: 'moderator', displayName: '李审核' });
    const a = await createStaff(db, { role: 'admin', displayName: '王律师' });
    mod = { ...m, token: await apiToken(db, m.email) };
    admin = { ...a, token: await apiToken(db, a.email) };
    const list = (await (await fetch(`${t.baseUrl}/api/v1/articles?limit=200`)).json()) as {
      items: Array<{ slug: string; url: string; images: Array<{ id: string }> }>;
    };
    for (const x of list.items) articles.set(x.slug, x);
  }, 90000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    if (db) {
      await db.query(
        `UPDATE article SET status = 'published', removed_by = NULL WHERE slug IN ('news-16', 'news-17', 'news-18', 'news-19')`,
      );
      await db.query(
        `UPDATE article_image SET status = 'visible', removed_by = NULL
          WHERE article_id IN (SELECT id FROM article WHERE slug IN ('news-16', 'news-17', 'news-18', 'news-19'))`,
      );
    }
    await t?.close();
  });

  async function newPage(lang: 'zh-CN' | 'en'): Promise<Page> {
    const context = await browser.newContext({ locale: lang, viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    return context.newPage();
  }

  const png = (name: string) => ({ name, mimeType: 'image/png', buffer: readFileSync(writeTestPng(name)) });

  async function fileApi(complaint: Record<string, unknown>, identity = false): Promise<string> {
    const form = new FormData();
    form.append('complaint', JSON.stringify(complaint));
    form.append('evidence', new Blob([readFileSync(writeTestPng('proof.png'))], { type: 'image/png' }), 'proof.png');
    if (identity)
      form.append('identity', new Blob([readFileSync(writeTestPng('id.png'))], { type: 'image/png' }), 'id.png');
    const res = await fetch(`${t.baseUrl}/api/v1/complaints`, { method: 'POST', body: form });
    expect(res.status).toBe(201);
    return ((await res.json()) as { reference: string }).reference;
  }

  async function move(who: { token: string }, ref: string, body: Record<string, unknown>): Promise<void> {
    const res = await fetch(`${t.baseUrl}/api/v1/complaints/${ref}/transitions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${who.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect([res.status, await res.text()]).toEqual([200, expect.any(String)]);
  }

  for (const lang of ['zh-CN', 'en'] as const) {
    it(`${lang}: the form asks for a proof of identity for personal rights, and says so when it is missing`, async () => {
      const zh = lang === 'zh-CN';
      const page = await newPage(lang);
      await page.goto(`${t.baseUrl}/complaints/new?article=news-16${zh ? '' : '&lang=en'}`);
      const identity = page.locator('#identity');
      // Only the personal-rights basis shows it.
      await page.locator('label[for="legalBasis"]').click(); // cn-copyright, the first card
      expect(await identity.isVisible()).toBe(false);
      await page.locator('label[for="basis-cn-personal-rights"]').click();
      expect(await identity.isVisible()).toBe(true);
      const label = page.locator('label[for="identity"]');
      await expectText(label, zh ? '身份证明' : 'Proof of identity');
      await expectText(page.locator('#identity-hint'), zh ? '仅供本网审核人员查看' : 'Seen only by our reviewers');
      // The requester category: hidden for an agent, offered otherwise.
      await page.locator('#onBehalf').check();
      expect(await page.locator('#requesterCategory').isVisible()).toBe(false);
      await page.locator('#onBehalf').uncheck();
      expect(await page.locator('#requesterCategory').isVisible()).toBe(true);
      await page.locator('#requester-person_concerned').check();

      await page.locator('#complainant\\.name').fill(zh ? '王小明' : 'Wang Xiaoming');
      await page.locator('#complainant\\.email').fill(`form-${lang}-${Date.now()}@example.test`);
      await page.locator('#explanation').fill(zh ? '这张照片是我的肖像，未经同意刊登。' : 'This photo is my portrait.');
      await page.locator('#evidence').setInputFiles([png('portrait.png')]);
      await page.locator('#declarations\\.truthful').check();
      await page.locator('#identity').scrollIntoViewIfNeeded();
      await screenshot(page, `legal-form-identity-${lang}`);

      await Promise.all([page.waitForNavigation(), page.locator('[data-submit]').click()]);
      const summary = page.locator('#error-summary');
      await expectText(
        summary,
        zh ? '身份证明：人格权投诉须附上身份证明' : 'Proof of identity: Attach a proof of your identity',
      );
      await expectText(
        page.locator('.field:has(#identity) .field-error'),
        zh ? '人格权投诉须附上身份证明' : 'Attach a proof of your identity',
      );
      expect(await identity.isVisible()).toBe(true);
      expect(await page.locator('#requester-person_concerned').isChecked()).toBe(true);
      await screenshot(page, `legal-form-identity-error-${lang}`);

      await page.locator('#evidence').setInputFiles([png('portrait.png')]);
      await page.locator('#identity').setInputFiles([png('id-card.png')]);
      await Promise.all([page.waitForNavigation(), page.locator('[data-submit]').click()]);
      const reference = (await page.locator('body').innerText()).match(/ND-\d{4}-\d{6}/)?.[0];
      expect(reference).toBeDefined();
      const [row] = await db.query<Array<{ requester_category: string; purposes: string[] }>>(
        `SELECT c.requester_category, array_agg(f.purpose ORDER BY f.purpose) AS purposes
           FROM complaint c JOIN evidence_file f ON f.complaint_id = c.id WHERE c.reference = $1 GROUP BY c.id`,
        [reference],
      );
      expect(row).toEqual({ requester_category: 'person_concerned', purposes: ['evidence', 'identity'] });
    });
  }

  it('the 451 page and an image notice name the legal demand; screenshots in both languages', async () => {
    const removed = await fileApi({
      legalBasis: 'cn-copyright',
      locale: 'zh-CN',
      complainant: { name: '陈摄影', email: `chen-${Date.now()}@example.test`, address: '上海市徐汇区某路 9 号' },
      items: [{ articleUrl: articles.get('news-17')!.url, kind: 'article' }],
      originalWork: { description: '我的摄影作品《黎明的港口》' },
      explanation: '全文转载了我的作品。',
      declarations: { truthful: true },
    });
    await move(mod, removed, { to: 'in_review', version: 1 });
    await move(mod, removed, {
      to: 'escalated',
      version: 2,
      reason: '全文转载，建议删除。',
      remedies: [{ item: 0, remedy: 'remove_article' }],
    });
    await move(admin, removed, { to: 'actioned', version: 3 });
    const image = await fileApi(
      {
        legalBasis: 'cn-personal-rights',
        locale: 'zh-CN',
        complainant: { name: '王小明', email: `wang-${Date.now()}@example.test` },
        items: [
          { articleUrl: articles.get('news-19')!.url, kind: 'image', detail: articles.get('news-19')!.images[0].id },
        ],
        explanation: '这张照片是我的肖像。',
        declarations: { truthful: true },
      },
      true,
    );
    await move(mod, image, { to: 'in_review', version: 1 });
    await move(mod, image, {
      to: 'actioned',
      version: 2,
      reason: '肖像未经同意使用。',
      remedies: [{ item: 0, remedy: 'remove_image' }],
    });

    for (const lang of ['zh-CN', 'en'] as const) {
      const page = await newPage(lang);
      const res = await page.goto(`${t.baseUrl}/articles/news-17${lang === 'en' ? '?lang=en' : ''}`);
      expect(res?.status()).toBe(451);
      const demand = page.locator('[data-legal-demand]');
      await expectText(demand, lang === 'en' ? 'The rights holder' : '权利人');
      await expectText(page.locator('.gone-page__case-value'), removed);
      await expectText(
        page.locator('[data-demand-basis]'),
        lang === 'en' ? 'Copyright (Regulations on the Protection' : '《信息网络传播权保护条例》第十四条',
      );
      expect(await page.locator('[data-demand-date]').count()).toBe(1);
      expect(await page.locator('body').innerText()).not.toContain('陈摄影');
      await screenshot(page, `legal-451-${lang}`);

      const art = await newPage(lang);
      await art.goto(`${t.baseUrl}/articles/news-19${lang === 'en' ? '?lang=en' : ''}`);
      const notice = art.locator('.image-removed', { hasText: image });
      await expectText(notice, lang === 'en' ? 'requested by: A person concerned' : '提出要求者：相关当事人');
      expect(await notice.innerText()).not.toContain('王小明');
      await notice.scrollIntoViewIfNeeded();
      await screenshot(art, `legal-image-notice-${lang}`);
    }
  });

  it('the case page of a re-notice barred by 条例 Art. 17 shows the callout, the earlier case and the reasons', async () => {
    const email = `rebar-${Date.now()}@example.test`;
    const base = {
      legalBasis: 'cn-copyright',
      locale: 'zh-CN',
      complainant: { name: '陈摄影', email, address: '上海市徐汇区某路 9 号' },
      items: [{ articleUrl: articles.get('news-18')!.url, kind: 'article' }],
      originalWork: { description: '我的摄影作品《黎明的港口》', url: 'https://photos.example/chen/harbour' },
      explanation: '全文转载了我的作品。',
      declarations: { truthful: true },
    };
    const earlier = await fileApi(base);
    // The restored state cannot yet be reached through the product: set by SQL for this test.
    await db.query(`UPDATE complaint SET state = 'restored', due_at = NULL WHERE reference = $1`, [earlier]);
    const again = await fileApi({ ...base, explanation: '再次投诉：仍然侵权。' });
    for (const lang of ['zh-CN', 'en'] as const) {
      const page = await newPage(lang);
      await page.goto(`${t.baseUrl}/staff/login${lang === 'en' ? '?lang=en' : ''}`);
      await page.locator('input[name="email"]').fill(mod.email);
      await page.locator('input[name="password"]').fill(mod.password);
      await Promise.all([page.waitForNavigation(), page.locator('form button[type="submit"]').first().click()]);
      await page.goto(`${t.baseUrl}/staff/complaints/${again}${lang === 'en' ? '?lang=en' : ''}`);
      const callout = page.locator('[data-renotice-barred]');
      await expectText(callout, lang === 'en' ? 'Re-notice barred' : '重复通知受限');
      await expectText(callout, earlier);
      await expectText(page.locator('[data-renotice-reason]'), '第十七条');
      await callout.scrollIntoViewIfNeeded();
      await screenshot(page, `legal-renotice-callout-${lang}`);
    }
  });
});

async function expectText(locator: Locator, text: string): Promise<void> {
  await locator.first().waitFor();
  expect(await locator.first().innerText()).toContain(text);
}
