import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from '../helpers/app';
import { launchBrowser, screenshot, writeTestPng } from '../helpers/browser';
import { apiToken, createStaff, DEFAULT_TEST_PASSWORD, TestStaff } from '../helpers/staff';

/**
 * The public notice register in a real browser: a copyright case decided through the API (image
 * removed, passage left), reached from the image notice on the article page by its link, in
 * Chinese and English (test-results/screenshots/register-notice-*.png); the complainant's name,
 * email, phone and address appear nowhere on it.
 */
describe('public notice register in the browser', () => {
  let t: TestApp;
  let db: DataSource;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let modToken: string;
  let admin: TestStaff;
  let article: { slug: string; url: string; images: Array<{ id: string }> };
  let reference: string;
  const PERSONAL = ['周私人', 'zhou.private@example.test', '13800138000', '北京市朝阳区私宅路 8 号'];

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    browser = await launchBrowser();
    const m = await createStaff(db, { role: 'moderator', displayName: '李审核' });
    modToken = await apiToken(db, m.email);
    admin = await createStaff(db, { role: 'admin', displayName: '王管理' });
    const list = (await (await fetch(`${t.baseUrl}/api/v1/articles?limit=200`)).json()) as {
      items: Array<{ slug: string; url: string; images: Array<{ id: string }> }>;
    };
    article =
      list.items.find((a) => a.slug === 'news-44' && a.images.length) ?? list.items.find((a) => a.images.length)!;

    const form = new FormData();
    form.append(
      'complaint',
      JSON.stringify({
        legalBasis: 'cn-copyright',
        locale: 'zh-CN',
        complainant: {
          name: PERSONAL[0],
          email: PERSONAL[1],
          phone: PERSONAL[2],
          address: PERSONAL[3],
          organisation: '星河影业有限公司',
        },
        items: [
          { articleUrl: article.url, kind: 'image', detail: article.images[0].id },
          { articleUrl: article.url, kind: 'passage', detail: `${PERSONAL[0]}拍摄的照片说明` },
        ],
        originalWork: { description: `${PERSONAL[0]}的摄影作品` },
        explanation: `我是${PERSONAL[0]}，这张照片是我们公司拍摄的。`,
        declarations: { truthful: true },
      }),
    );
    form.append('evidence', new Blob([readFileSync(writeTestPng('proof.png'))], { type: 'image/png' }), 'proof.png');
    const res = await fetch(`${t.baseUrl}/api/v1/complaints`, { method: 'POST', body: form });
    expect(res.status).toBe(201);
    reference = ((await res.json()) as { reference: string }).reference;
    const move = async (body: Record<string, unknown>) => {
      const r = await fetch(`${t.baseUrl}/api/v1/complaints/${reference}/transitions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${modToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect([r.status, await r.text()]).toEqual([200, expect.any(String)]);
    };
    await move({ to: 'in_review', version: 1 });
    await move({
      to: 'actioned',
      version: 2,
      reason: `${PERSONAL[0]}的作品未经许可使用。`,
      remedies: [
        { item: 0, remedy: 'remove_image' },
        { item: 1, remedy: 'no_action' },
      ],
    });
  }, 90000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await t?.close();
  });

  async function newPage(lang: 'zh-CN' | 'en'): Promise<Page> {
    const context = await browser.newContext({ locale: lang, viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    return context.newPage();
  }

  for (const lang of ['zh-CN', 'en'] as const) {
    it(`the image notice links to the register entry, which shows the redacted notice (${lang})`, async () => {
      const page = await newPage(lang);
      await page.goto(`${t.baseUrl}/articles/${article.slug}${lang === 'en' ? '?lang=en' : ''}`);
      const link = page.locator(`a[data-register-link][href="/notices/${reference}"]`);
      await link.first().click();
      await page.waitForURL(`**/notices/${reference}*`);
      const body = await page.locator('body').innerText();
      expect(body).toContain(reference);
      expect(body).toContain('星河影业有限公司');
      expect(body).toContain(lang === 'en' ? 'Image removed' : '删除图片');
      expect(body).toContain(lang === 'en' ? 'No action' : '不作处理');
      for (const p of PERSONAL) expect([p, body.includes(p)]).toEqual([p, false]);
      expect(await page.content()).not.toContain(PERSONAL[1]);
      await screenshot(page, `register-notice-${lang}`);
    });
  }
  it('an admin withholds the entry with a reason from its staff page, and publishes it again', async () => {
    const page = await newPage('zh-CN');
    await page.goto(`${t.baseUrl}/staff/login`);
    await page.fill('#email', admin.email);
    await page.fill('#password', DEFAULT_TEST_PASSWORD);
    await Promise.all([page.waitForURL(/\/staff\/queue/), page.click('button[type=submit]')]);
    await page.goto(`${t.baseUrl}/staff/notices/${reference}?lang=en`);
    await page.fill('#withhold-reason', 'Court order 2026-77 asks us not to publish it');
    await Promise.all([page.waitForURL(/done=withheld/), page.click('[data-register-admin] button[type=submit]')]);
    expect(await page.locator('[data-withheld]').innerText()).toContain('Court order 2026-77');
    await screenshot(page, 'register-admin-withheld-en');
    const pub = await newPage('en');
    const res = await pub.goto(`${t.baseUrl}/notices/${reference}?lang=en`);
    expect(res?.status()).toBe(410);
    const text = await pub.locator('body').innerText();
    expect(text).toContain('This register entry is withheld');
    expect(text).not.toContain('Court order');
    await screenshot(pub, 'register-withheld-en');
    await Promise.all([page.waitForURL(/done=released/), page.click('[data-withheld] button[type=submit]')]);
    expect((await pub.goto(`${t.baseUrl}/notices/${reference}`))?.status()).toBe(200);
  });
});
