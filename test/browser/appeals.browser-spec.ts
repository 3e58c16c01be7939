import { createHash, randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { MailWorker } from '../../src/mail/mail-worker';
import { startTestApp, TestApp } from '../helpers/app';
import { createStaff } from '../helpers/staff';
import { launchBrowser, screenshot, writeTestPng } from '../helpers/browser';

interface Article {
  slug: string;
  url: string;
  images: Array<{ id: string }>;
}

/**
 * Appeals and withdrawal in a real browser, zh-CN and en: the complainant appeals a rejection
 * from the tracking page (plain words and a file), and withdraws another case through the
 * confirm step; the owner's page offers the appeal too. Cases are its own, on articles no
 * other browser spec touches (news-20 to news-25).
 */
describe('appeals and withdrawal on the parties’ pages (browser)', () => {
  let t: TestApp;
  let db: DataSource;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let token: string;
  let articles: Map<string, Article>;

  const api = async (method: string, path: string, body?: unknown, bearer?: string) => {
    const res = await fetch(`${t.baseUrl}${path}`, {
      method,
      headers: {
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
  const step = async (reference: string, body: Record<string, unknown>) => {
    const [c] = await db.query<Array<{ version: number }>>(`SELECT version FROM complaint WHERE reference = $1`, [
      reference,
    ]);
    return api('POST', `/api/v1/complaints/${reference}/transitions`, { version: c.version, ...body }, token);
  };
  /** A case decided by the moderator; returns its reference and the complainant's tracking path. */
  async function decided(slug: string, locale: 'zh-CN' | 'en', decide: 'rejected' | 'actioned') {
    const a = articles.get(slug) as Article;
    const filed = await api('POST', '/api/v1/complaints', {
      legalBasis: 'eu-dsa',
      locale,
      complainant: {
        name: locale === 'en' ? 'Pat Doe' : '张三',
        email: `appeal-browser-${slug}-${Date.now()}@example.test`,
      },
      items: [{ articleUrl: a.url, kind: 'image', detail: a.images[0].id }],
      explanation: locale === 'en' ? 'The photograph is mine.' : '该图片是我拍摄的作品。',
      declarations: { truthful: true, goodFaith: true },
    });
    const reference = filed.reference as string;
    await step(reference, { to: 'in_review' });
    await step(
      reference,
      decide === 'rejected'
        ? { to: 'rejected', reason: locale === 'en' ? 'The agency holds a licence.' : '经核实，图片已获授权。' }
        : { to: 'actioned', reason: '经核实，投诉成立。', remedies: [{ item: 0, remedy: 'remove_image' }] },
    );
    return { reference, path: new URL(filed.trackingUrl as string).pathname };
  }
  async function page(lang: 'zh-CN' | 'en'): Promise<Page> {
    const context = await browser.newContext({ locale: lang, viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    return context.newPage();
  }
  const stateOf = async (reference: string) =>
    (await db.query<Array<{ state: string }>>(`SELECT state FROM complaint WHERE reference = $1`, [reference]))[0]
      .state;

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    browser = await launchBrowser();
    token = `nd_${randomBytes(32).toString('base64url')}`;
    await db.query(
      `INSERT INTO staff_user (email, display_name, role, status, api_token_hash) VALUES ($1, '审核员', 'moderator', 'active', $2)`,
      [`appeal-browser-${Date.now()}@desk.example.test`, createHash('sha256').update(token).digest('hex')],
    );
    const list = (await api('GET', '/api/v1/articles?limit=200')) as unknown as { items: Article[] };
    articles = new Map(list.items.map((a) => [a.slug, a]));
  });

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await t?.close();
  });

  it.each([
    ['zh-CN', 'news-20', '对处理决定提出申诉', '提交申诉', '我们已收到您的申诉'],
    ['en', 'news-21', 'Appeal against the decision', 'Send my appeal', 'We have received your appeal'],
  ] as const)(
    '%s: the complainant appeals a rejection from the tracking page, with a file',
    async (lang, slug, title, submit, thanks) => {
      const c = await decided(slug, lang, 'rejected');
      const p = await page(lang);
      await p.goto(`${t.baseUrl}${c.path}?lang=${lang}`);
      const card = p.locator('#appeal');
      await expect(card.locator('h2').textContent()).resolves.toBe(title);
      // The last day to appeal is shown, as a date.
      await expect(card.locator('.appeal-card__facts time').textContent()).resolves.toMatch(/\d{4}/);
      await screenshot(p, `appeal-track-form-${lang}`);

      // Sent empty: refused next to the field, nothing changes.
      await card.getByRole('button', { name: submit }).click();
      await p.waitForLoadState();
      await expect(p.locator('#appeal-error').isVisible()).resolves.toBe(true);
      expect(await stateOf(c.reference)).toBe('rejected');

      await p.fill('#appeal-text', lang === 'en' ? 'The licence covered print only.' : '授权仅限纸质版，不包括网络。');
      await p.setInputFiles('#appeal-files', writeTestPng('licence.png'));
      await p.locator('#appeal').getByRole('button', { name: submit }).click();
      await p.waitForURL(/appealed=1/);
      await expect(p.locator('#appeal [role=status]').textContent()).resolves.toContain(thanks);
      expect(await stateOf(c.reference)).toBe('appeal_review');
      const [row] = await db.query<Array<{ files: number; body: string }>>(
        `SELECT cardinality(a.file_ids) AS files, a.body FROM appeal a JOIN complaint c ON c.id = a.complaint_id WHERE c.reference = $1`,
        [c.reference],
      );
      expect(row.files).toBe(1);
      // Back on the page later, the appeal and its status are shown instead of the form.
      await p.goto(`${t.baseUrl}${c.path}`);
      await expect(p.locator('#appeal h2').textContent()).resolves.toBe(lang === 'en' ? 'Your appeal' : '您的申诉');
      await expect(p.locator('.badge').first().getAttribute('data-state')).resolves.toBe('appeal_review');
      await screenshot(p, `appeal-track-filed-${lang}`);
      await t.app.get(MailWorker).drain();
    },
  );

  it.each([
    ['zh-CN', 'news-22', '撤回我的投诉…', '确认撤回投诉', '您的投诉已撤回'],
    ['en', 'news-23', 'Withdraw my complaint…', 'Yes, withdraw my complaint', 'Your complaint is withdrawn'],
  ] as const)(
    '%s: the complainant withdraws through the confirm step, and the image comes back',
    async (lang, slug, start, confirm, done) => {
      const c = await decided(slug, lang, 'actioned');
      const image = (articles.get(slug) as Article).images[0].id;
      const p = await page(lang);
      await p.goto(`${t.baseUrl}${c.path}?lang=${lang}`);
      await p.getByRole('link', { name: start }).click();
      await p.waitForURL(/withdraw=confirm/);
      await expect(p.locator('.withdraw-card--confirm').isVisible()).resolves.toBe(true);
      await screenshot(p, `withdraw-confirm-${lang}`);
      expect(await stateOf(c.reference)).toBe('actioned');
      await p.getByRole('button', { name: confirm }).click();
      await p.waitForURL(/withdrawn=1/);
      await expect(p.locator('#withdraw [role=status]').textContent()).resolves.toContain(done);
      expect(await stateOf(c.reference)).toBe('withdrawn');
      const [img] = await db.query<Array<{ status: string }>>(`SELECT status FROM article_image WHERE id = $1`, [
        image,
      ]);
      expect(img.status).toBe('visible');
      await screenshot(p, `withdraw-done-${lang}`);
    },
  );

  it('the owner’s page offers the appeal against an action on their article (zh-CN)', async () => {
    const c = await decided('news-24', 'zh-CN', 'actioned');
    await t.app.get(MailWorker).drain();
    const [owner] = await db.query<Array<{ email: string }>>(
      `SELECT owner_email AS email FROM article WHERE slug = 'news-24'`,
    );
    const mail = t.sink.to(owner.email).find((m) => m.subject?.includes(c.reference));
    const link = /\/respond\/[A-Za-z0-9_-]{40,64}/.exec(mail?.text ?? '')?.[0] as string;
    const p = await page('zh-CN');
    await p.goto(`${t.baseUrl}${link}?lang=zh-CN`);
    await expect(p.locator('#appeal h2').textContent()).resolves.toBe('对处理决定提出申诉');
    await screenshot(p, 'appeal-owner-form-zh-CN');
    await p.fill('#appeal-text', '该图片由本社记者拍摄，版权归本社所有。');
    await p.locator('#appeal').getByRole('button', { name: '提交申诉' }).click();
    await p.waitForURL(/appealed=1/);
    expect(await stateOf(c.reference)).toBe('appeal_review');

    // Another moderator opens the case: the appeal, the decision appealed and who took it.
    const reviewer = await createStaff(db, { role: 'moderator', displayName: '复核员' });
    const staffPage = await page('zh-CN');
    await staffPage.goto(`${t.baseUrl}/staff/login`);
    await staffPage.locator('input[name="email"]').fill(reviewer.email);
    await staffPage.locator('input[name="password"]').fill(reviewer.password);
    await Promise.all([staffPage.waitForNavigation(), staffPage.locator('form button[type="submit"]').first().click()]);
    await staffPage.goto(`${t.baseUrl}/staff/complaints/${c.reference}`);
    const appeal = staffPage.locator('[data-appeal]');
    await expect(appeal.textContent()).resolves.toContain('该图片由本社记者拍摄');
    await expect(appeal.textContent()).resolves.toContain('审核员');
    await screenshot(staffPage, 'appeal-case-staff-zh-CN');
  });
});
