import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { startTestApp, TestApp } from '../helpers/app';
import { launchBrowser, screenshot, writeTestPng } from '../helpers/browser';

/**
 * The complainant's path in a real browser against the real app: article page → disclaimer →
 * report link → form (errors first, then a complete copyright complaint with an image item and
 * a PNG) → confirmation → receipt mail → tracking page; and the English form via the switch.
 */
describe('complaint intake in the browser', () => {
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const email = `browser-${Date.now()}@example.test`;

  beforeAll(async () => {
    t = await startTestApp();
    browser = await launchBrowser();
  }, 60000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  beforeEach(async () => {
    context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
  });

  afterEach(async () => {
    await context?.close();
  });

  it('files a copyright complaint in Chinese from the article page and tracks it', async () => {
    await page.goto(`${t.baseUrl}/`);
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    await screenshot(page, 'home');

    await page.locator('.article-list a').first().click();
    await page.waitForURL(/\/articles\/shanghai-sister-cities-forum$/);
    const disclaimer = page.locator('.disclaimer');
    await expectText(disclaimer, '本网站所提供的信息仅供参考之用');
    await expectText(disclaimer, 'desk@example.test');
    // Two pictures, shown or (if another spec upheld a complaint against one) replaced by a notice.
    expect(await page.locator('.article-figure img, .image-removed').count()).toBe(2);
    const report = page.getByRole('link', { name: '举报此文章' });
    expect(await report.getAttribute('href')).toBe('/complaints/new?article=shanghai-sister-cities-forum');
    await screenshot(page, 'article');

    await report.click();
    await page.waitForURL(/\/complaints\/new\?article=/);
    expect(await page.locator('h1').textContent()).toContain('提交投诉');
    const articleUrl = page.locator('#items\\.0\\.articleUrl');
    // The catalogue's canonical URL (its host is whichever PUBLIC_BASE_URL seeded the database).
    expect(await articleUrl.inputValue()).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/articles\/shanghai-sister-cities-forum$/,
    );
    await screenshot(page, 'form-empty');

    // Submit almost empty: the summary lists the problems, typed values stay.
    await page.getByLabel('姓名').fill('张三');
    await page.getByRole('checkbox', { name: /真实性声明/ }).check();
    await page.getByRole('button', { name: '提交投诉' }).click();
    await page.waitForURL(/\/complaints$/);
    const summary = page.locator('#error-summary');
    await expectText(summary, '请修改以下');
    await expectText(summary, '投诉类型：此项必填');
    await expectText(page.locator('.field:has(#complainant\\.email) .field-error'), '此项必填');
    expect(await page.getByLabel('姓名').inputValue()).toBe('张三');
    expect(await page.getByRole('checkbox', { name: /真实性声明/ }).isChecked()).toBe(true);
    expect(await articleUrl.inputValue()).toMatch(/\/articles\/shanghai-sister-cities-forum$/);
    // The summary links to the fields.
    await summary.getByRole('link', { name: /电子邮箱/ }).click();
    expect(await page.evaluate<string>('document.activeElement ? document.activeElement.id : ""')).toBe(
      'complainant.email',
    );
    await screenshot(page, 'form-errors');

    // Now the whole copyright complaint.
    await page.getByText('著作权（信息网络传播权）').click();
    expect(await page.locator('#complaint-form').getAttribute('data-basis')).toBe('cn-copyright');
    expect(await page.locator('.field:has(#complainant\\.address)').getAttribute('class')).toContain('is-required');
    expect(await page.locator('#signature').isVisible()).toBe(false); // DMCA only
    await page.getByLabel('电子邮箱').fill(email);
    await page.getByLabel('联系电话').fill('+86 21 5555 0100');
    await page.getByLabel('通讯地址').fill('上海市黄浦区示例路 1 号');
    await page.getByRole('radio', { name: '文中图片' }).check();
    const imageSelect = page.locator('[data-image-select]').first();
    expect(await imageSelect.isVisible()).toBe(true);
    await imageSelect.selectOption({ label: '上海国际友好城市合作论坛现场（示意图）' });
    await page.getByLabel('权利作品说明').fill('摄影作品《友城论坛现场》，作者张三，2024 年 9 月首次发表于本人博客。');
    await page.getByLabel('原作品地址').fill('https://photos.example.test/zhangsan/forum');
    await page
      .getByLabel('投诉理由')
      .fill('该图片系本人拍摄的摄影作品，未经许可被刊载于贵网文章中，侵犯了本人的信息网络传播权。');
    await page.locator('#evidence').setInputFiles(writeTestPng('copyright-proof.png'));
    expect(await page.getByRole('checkbox', { name: /真实性声明/ }).isChecked()).toBe(true);
    await screenshot(page, 'form-filled');
    await page.getByRole('button', { name: '提交投诉' }).click();

    await page.waitForSelector('#reference');
    const reference = (await page.locator('#reference').textContent())?.trim() ?? '';
    expect(reference).toMatch(/^ND-\d{4}-\d{6}$/);
    await expectText(page.locator('body'), email);
    await screenshot(page, 'submitted');

    const receipt = await t.sink.waitFor((m) => t.sink.to(email).includes(m) && (m.text ?? '').includes(reference));
    await t.sink.waitFor(
      (m) => t.sink.to('desk@example.test').includes(m) && `${m.subject} ${m.text}`.includes(reference),
    );
    const tracking = new RegExp(`${t.baseUrl.replace(/[.]/g, '\\.')}/track/[A-Za-z0-9_-]+`).exec(
      receipt.text ?? '',
    )?.[0];
    expect(tracking).toBeDefined();
    // The receipt carries its own link (minted at send time); the page's opens the same case.
    expect(await page.locator('#tracking-url').inputValue()).toMatch(/\/track\/[A-Za-z0-9_-]{43}$/);

    await page.goto(tracking!);
    expect(await page.locator('.badge').textContent()).toContain('已收到');
    await expectText(page.locator('h1'), reference);
    await expectText(page.locator('.item-list'), '文中图片');
    await expectText(page.locator('.timeline'), reference);
    await screenshot(page, 'tracking');
  });

  it('shows the form in English after the language switch, with English errors', async () => {
    await page.goto(`${t.baseUrl}/complaints/new`);
    await page.getByRole('link', { name: 'Switch to English' }).click();
    await page.waitForURL(/\/complaints\/new\?lang=en$/);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.locator('h1').textContent()).toContain('Submit a complaint');
    await expectText(page.locator('footer'), 'free of charge');
    await screenshot(page, 'form-english');

    await page.getByText('US DMCA copyright notice').click();
    expect(await page.locator('#signature').isVisible()).toBe(true);
    // A second item, added with the button, survives the round trip.
    await page.getByRole('button', { name: 'Add an item' }).click();
    await page.locator('#items\\.1\\.articleUrl').fill(`${t.baseUrl}/articles/news-01`);
    await page.locator('[data-item-row]').nth(1).getByRole('radio', { name: 'A passage in it' }).check();
    await page.locator('#items\\.1\\.detail').fill('The quoted passage.');
    await page.getByRole('button', { name: 'Submit complaint' }).click();
    await page.waitForURL(/\/complaints$/);
    await expectText(page.locator('#error-summary'), 'Please correct');
    await expectText(page.locator('#error-summary'), 'Signature: This field is required');
    expect(await page.getByRole('radio', { name: /US DMCA/ }).isChecked()).toBe(true);
    expect(await page.locator('#items\\.1\\.articleUrl').inputValue()).toBe(`${t.baseUrl}/articles/news-01`);
    expect(await page.locator('#items\\.1\\.detail').inputValue()).toBe('The quoted passage.');
    expect(
      await page.locator('[data-item-row]').nth(1).getByRole('radio', { name: 'A passage in it' }).isChecked(),
    ).toBe(true);
    await screenshot(page, 'form-english-errors');
  });

  it('works without JavaScript: every field shows, with notes saying which type needs it', async () => {
    const plain = await browser.newContext({ locale: 'zh-CN', javaScriptEnabled: false });
    try {
      const p = await plain.newPage();
      await p.goto(`${t.baseUrl}/complaints/new?article=shanghai-sister-cities-forum`);
      expect(await p.locator('#signature').isVisible()).toBe(true);
      expect(await p.locator('#declarations\\.perjury').isVisible()).toBe(true);
      expect(await p.locator('#authorisation').isVisible()).toBe(true);
      expect(await p.locator('[data-image-select]').first().isVisible()).toBe(true);
      expect(await p.locator('[data-action="add-item"]').isVisible()).toBe(false);
      await expectText(p.locator('.field:has(#complainant\\.address)'), '著作权投诉、DMCA 通知必填');
    } finally {
      await plain.close();
    }
  });

  it('answers an unknown page with a friendly 404', async () => {
    const res = await page.goto(`${t.baseUrl}/articles/no-such-article`);
    expect(res?.status()).toBe(404);
    await expectText(page.locator('h1'), '页面不存在');
    await screenshot(page, 'error-404');
  });

  it('lays the form out for a phone', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${t.baseUrl}/complaints/new?article=news-01`);
    const overflow = await page.evaluate<number>(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'form-phone');
  });
});

async function expectText(locator: Locator, text: string): Promise<void> {
  await locator.first().waitFor();
  expect(await locator.first().innerText()).toContain(text);
}
