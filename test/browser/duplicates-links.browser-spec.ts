import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from '../helpers/app';
import { launchBrowser, screenshot } from '../helpers/browser';
import { createStaff, signIn, StaffSession, TestStaff } from '../helpers/staff';

interface Article {
  slug: string;
  url: string;
  title: string;
  images: Array<{ id: string }>;
}

/**
 * Issue 6 in a real browser, zh and en: a duplicate's tracking page reads as any new filing,
 * the earlier case's page lists its duplicates and related cases, the queue counts duplicates,
 * and each content owner's page shows their own items only.
 */
describe('duplicates, related cases and per-owner links in the browser', () => {
  let t: TestApp;
  let db: DataSource;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let staff: TestStaff;
  let session: StaffSession;
  let articles: Map<string, Article>;
  const who = `dup-browser-${Date.now()}@example.test`;
  const refs: { first?: string; dup?: string; related?: string; dupTracking?: string; owners?: string } = {};
  const respond: Record<string, string> = {};

  const json = async <T>(path: string, body?: unknown, auth = false): Promise<T> => {
    const res = await fetch(`${t.baseUrl}${path}`, {
      method: body ? 'POST' : 'GET',
      headers: {
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(auth ? { cookie: session.cookie, 'x-csrf-token': session.csrfToken } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    expect(res.status).toBeLessThan(300);
    return (await res.json()) as T;
  };
  const complaint = (email: string, items: unknown[], locale = 'zh-CN') => ({
    legalBasis: 'eu-dsa',
    locale,
    complainant: { name: '张三', email },
    items,
    explanation: '照片未经同意使用了我的肖像。',
    declarations: { truthful: true, goodFaith: true },
  });
  const image = (slug: string) => ({
    articleUrl: (articles.get(slug) as Article).url,
    kind: 'image',
    detail: (articles.get(slug) as Article).images[0].id,
  });

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    browser = await launchBrowser();
    staff = await createStaff(db, { role: 'moderator', displayName: '周审核' });
    session = await signIn(t.baseUrl, staff.email);
    const list = await json<{ items: Article[] }>('/api/v1/articles?limit=200');
    articles = new Map(list.items.map((a) => [a.slug, a]));

    type Filed = { reference: string; trackingUrl: string };
    refs.first = (await json<Filed>('/api/v1/complaints', complaint(who, [image('news-31')]))).reference;
    const dup = await json<Filed>('/api/v1/complaints', complaint(who, [image('news-31')]));
    refs.dup = dup.reference;
    refs.dupTracking = dup.trackingUrl;
    refs.related = (
      await json<Filed>('/api/v1/complaints', complaint(who, [image('news-31'), image('news-32')]))
    ).reference;

    // Two owners on one upheld case: news-33 (syndication@, n % 3 = 0) and news-34 (reporters@).
    const owners = await json<Filed>(
      '/api/v1/complaints',
      complaint(`owners-${Date.now()}@example.test`, [
        { articleUrl: (articles.get('news-33') as Article).url, kind: 'article' },
        { articleUrl: (articles.get('news-34') as Article).url, kind: 'article' },
      ]),
    );
    refs.owners = owners.reference;
    await json(`/api/v1/complaints/${owners.reference}/transitions`, { to: 'in_review', version: 1 }, true);
    await json(
      `/api/v1/complaints/${owners.reference}/transitions`,
      {
        to: 'actioned',
        version: 2,
        reason: '经核实，投诉成立。',
        remedies: [
          { item: 0, remedy: 'no_action' },
          { item: 1, remedy: 'no_action' },
        ],
      },
      true,
    );
    for (const owner of ['syndication@demo-news.example', 'reporters@demo-news.example']) {
      const m = await t.sink.waitFor(
        (x) => x.subject?.includes(owners.reference) === true && t.sink.to(owner).includes(x),
      );
      respond[owner] = new RegExp(`${t.baseUrl}/respond/[A-Za-z0-9_-]{43}`).exec(m.text ?? '')?.[0] as string;
    }
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

  async function staffPage(lang: 'zh-CN' | 'en'): Promise<Page> {
    const page = await newPage(lang);
    await page.goto(`${t.baseUrl}/staff/login?lang=${lang}`);
    await page.locator('input[name="email"]').fill(staff.email);
    await page.locator('input[name="password"]').fill(staff.password);
    await Promise.all([page.waitForNavigation(), page.locator('form button[type="submit"]').first().click()]);
    return page;
  }

  for (const lang of ['zh-CN', 'en'] as const) {
    it(`a duplicate's tracking page reads as any new filing (${lang})`, async () => {
      const page = await newPage(lang);
      await page.goto(`${refs.dupTracking}?lang=${lang}`);
      const text = await page.locator('main').innerText();
      expect(text).toContain(refs.dup);
      expect(text).not.toContain(refs.first);
      await screenshot(page, `dup-tracking-${lang}`);
    });

    it(`the earlier case lists its duplicate and related case; the queue counts duplicates (${lang})`, async () => {
      const page = await staffPage(lang);
      await page.goto(`${t.baseUrl}/staff/complaints/${refs.first}?lang=${lang}`);
      expect(await page.locator('[data-duplicates]').innerText()).toContain(refs.dup);
      expect(await page.locator('[data-related]').innerText()).toContain(refs.related);
      await screenshot(page, `dup-case-${lang}`);
      await page.goto(`${t.baseUrl}/staff/complaints/${refs.dup}?lang=${lang}`);
      expect(await page.locator('[data-duplicate-of]').innerText()).toContain(refs.first);
      await page.goto(`${t.baseUrl}/staff/queue?lang=${lang}`);
      expect(await page.locator('[data-duplicates-chip]').count()).toBe(1);
      await screenshot(page, `dup-queue-${lang}`);
      // The run's other specs fill the queue: find the earlier case's row by its reference.
      await page.goto(`${t.baseUrl}/staff/queue?lang=${lang}&q=${refs.first}`);
      expect(await page.locator(`tr[data-reference="${refs.first}"] [data-duplicates]`).count()).toBe(1);
    });

    it(`each content owner's page shows only their items (${lang})`, async () => {
      const page = await newPage(lang);
      for (const [owner, own, other] of [
        ['syndication@demo-news.example', 'news-33', 'news-34'],
        ['reporters@demo-news.example', 'news-34', 'news-33'],
      ]) {
        await page.goto(`${respond[owner]}?lang=${lang}`);
        const text = await page.locator('main').innerText();
        expect(text).toContain((articles.get(own) as Article).title);
        expect(text).not.toContain((articles.get(other) as Article).title);
        await screenshot(page, `respond-${own}-${lang}`);
      }
    });
  }
});
