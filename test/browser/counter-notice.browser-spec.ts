import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from '../helpers/app';
import { launchBrowser, screenshot, writeTestPng } from '../helpers/browser';
import { apiToken, createStaff, signIn } from '../helpers/staff';

interface Article {
  slug: string;
  url: string;
  title: string;
  owner?: string;
}

/**
 * Issue 7 in a real browser, zh-CN and en: the content owner opens the link from their notice
 * mail and files a counter-notice (a first try with a field missing, then complete); once staff
 * find it valid, the complainant sees the restoration date on their tracking page.
 */
describe('counter-notice and restoration date in the browser', () => {
  let t: TestApp;
  let db: DataSource;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let mod: string;
  let modEmail: string;
  let articles: Map<string, Article>;
  const proof = writeTestPng('许可合同.png');

  const api = async <T>(path: string, body?: unknown, status = 300): Promise<T> => {
    const res = await fetch(`${t.baseUrl}${path}`, {
      method: body ? 'POST' : 'GET',
      headers: { authorization: `Bearer ${mod}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    expect(res.status).toBeLessThan(status);
    return (await res.json()) as T;
  };
  const version = async (reference: string) =>
    (await db.query<Array<{ version: number }>>(`SELECT version FROM complaint WHERE reference = $1`, [reference]))[0]
      .version;
  const move = async (reference: string, body: Record<string, unknown>) =>
    api(`/api/v1/complaints/${reference}/transitions`, { version: await version(reference), ...body });

  /** A case upheld with a correction on one article, and the owner's link from the notice mail. */
  async function upheld(basis: 'cn-personal-rights' | 'us-dmca', locale: 'zh-CN' | 'en', slug: string) {
    const a = articles.get(slug) as Article;
    const email = `cn-browser-${Date.now()}-${Math.random()}@example.test`;
    const form = new FormData();
    form.set(
      'complaint',
      JSON.stringify({
        legalBasis: basis,
        locale,
        complainant: {
          name: locale === 'zh-CN' ? '李四' : 'Jordan Lee',
          email,
          phone: '+1 555 0100',
          address: '1 Main St, Springfield',
        },
        items: [{ articleUrl: a.url, kind: 'article' }],
        explanation:
          locale === 'zh-CN'
            ? '文章第二段对本人的描述与事实不符，损害了本人名誉。'
            : 'The article reproduces my photograph essay.',
        originalWork: { description: 'My photo essay' },
        signature: 'Jordan Lee',
        declarations: { truthful: true, goodFaith: true, perjury: true },
      }),
    );
    form.append('evidence', new Blob([new Uint8Array(readFileSync(proof))], { type: 'image/png' }), 'p.png');
    // 民法典 Art. 1195: a personal-rights notice carries a proof of identity (staff only).
    if (basis === 'cn-personal-rights')
      form.append('identity', new Blob([new Uint8Array(readFileSync(proof))], { type: 'image/png' }), 'id.png');
    const res = await fetch(`${t.baseUrl}/api/v1/complaints`, { method: 'POST', body: form });
    expect(res.status).toBe(201);
    const { reference, trackingUrl } = (await res.json()) as { reference: string; trackingUrl: string };
    await move(reference, { to: 'in_review' });
    await move(reference, {
      to: 'actioned',
      reason:
        locale === 'zh-CN'
          ? '经核实，相关描述缺乏事实依据，已加注更正。'
          : 'The essay was used without a licence; a credit and note were added.',
      remedies: [
        { item: 0, remedy: 'add_correction', text: locale === 'zh-CN' ? '本文第二段已更正。' : 'Credit added.' },
      ],
    });
    const mail = await t.sink.waitFor(
      (m) =>
        /owner|内容|notice|通知/i.test(m.subject ?? '') &&
        (m.text ?? '').includes(reference) &&
        /\/respond\//.test(m.text ?? ''),
    );
    const link = /https?:\/\/[^\s]+\/respond\/[A-Za-z0-9_-]{43}/.exec(mail.text ?? '')?.[0] as string;
    return { reference, email, trackingUrl, link };
  }

  const newPage = async (): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    contexts.push(context);
    return context.newPage();
  };

  beforeAll(async () => {
    t = await startTestApp({ TIMER_WORKER: 'false' });
    db = t.app.get(DataSource);
    browser = await launchBrowser();
    modEmail = (await createStaff(db, { role: 'moderator', displayName: '陈审核' })).email;
    mod = await apiToken(db, modEmail);
    const list = await api<{ items: Article[] }>('/api/v1/articles?limit=200');
    articles = new Map(list.items.map((a) => [a.slug, a]));
  }, 60000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await t?.close();
  });

  it('zh-CN: the owner files a 不侵权声明 from the mailed link; the complainant sees the restoration date', async () => {
    const c = await upheld('cn-personal-rights', 'zh-CN', 'news-20');
    const page = await newPage();
    await page.goto(`${c.link}?lang=zh-CN`);
    expect(await page.textContent('#counter-notice')).toContain('提出异议：不侵权声明');
    expect(await page.textContent('body')).toContain('李四');
    await screenshot(page, 'counter-notice-owner-zh-CN');

    // First try without the statement and the proof: field errors in Chinese, what was typed kept.
    await page.fill('#cn-name', '王编辑');
    await page.fill('#cn-contact', '021-6000 0000');
    await page.fill('#cn-address', '上海市黄浦区汉口路 300 号');
    await page.check('#cn-truthful');
    await Promise.all([page.waitForLoadState('load'), page.click('#counter-notice button[type=submit]')]);
    const errors = await page.textContent('#cn-error-summary');
    expect(errors).toContain('请填写不构成侵权的说明');
    expect(errors).toContain('请上传不构成侵权的初步证明材料');
    expect(await page.inputValue('#cn-name')).toBe('王编辑');
    await screenshot(page, 'counter-notice-owner-errors-zh-CN');

    await page.fill('#cn-statement', '文中所述内容均有采访录音和会议纪要为证，不存在侵权。');
    await page.setInputFiles('#cn-evidence', proof);
    await Promise.all([page.waitForURL(/sent=counter-notice/), page.click('#counter-notice button[type=submit]')]);
    expect(await page.textContent('[role=status]')).toContain('您的不侵权声明已提交');
    expect(await page.textContent('#counter-notice-status')).toBeTruthy();
    await screenshot(page, 'counter-notice-owner-filed-zh-CN');

    await move(c.reference, { to: 'restoration_pending' });
    const accepted = await t.sink.waitFor(
      (m) => (m.subject ?? '').includes(c.reference) && /不侵权声明：如无异议/.test(m.subject ?? ''),
    );
    const tracking = /https?:\/\/[^\s]+\/track\/[A-Za-z0-9_-]{43}/.exec(accepted.text ?? '')?.[0] as string;
    const track = await newPage();
    await track.goto(`${tracking}?lang=zh-CN`);
    const date = await track.textContent('#litigation .restore-date');
    expect(date).toContain('恢复日期');
    expect(await track.locator('#litigation-files').count()).toBe(1);
    await screenshot(track, 'restoration-date-track-zh-CN');

    // The moderator's case page shows the counter-notice in full, with the date.
    const staffPage = await newPage();
    const session = await signIn(t.baseUrl, modEmail);
    await staffPage
      .context()
      .addCookies(
        session.cookie
          .split('; ')
          .map((kv) => ({ name: kv.split('=')[0], value: kv.slice(kv.indexOf('=') + 1), url: t.baseUrl })),
      );
    await staffPage.goto(`${t.baseUrl}/staff/complaints/${c.reference}?lang=zh-CN`);
    expect(await staffPage.textContent('#counter-notices')).toContain('021-6000 0000');
    await staffPage
      .locator('#counter-notices')
      .screenshot({ path: await screenshot(staffPage, 'case-counter-notice-zh-CN') });

    // The owner's page now shows the date too.
    await page.goto(`${c.link}?lang=zh-CN`);
    expect(await page.textContent('#counter-notice-status')).toContain('已受理');
    await screenshot(page, 'counter-notice-owner-valid-zh-CN');
  }, 90000);

  it('en: a DMCA counter-notification from the mailed link; the complainant sees the date', async () => {
    const c = await upheld('us-dmca', 'en', 'news-21');
    const page = await newPage();
    await page.goto(`${c.link}?lang=en`);
    expect(await page.textContent('#counter-notice')).toContain('17 U.S.C. 512(g)(3)');
    await screenshot(page, 'counter-notice-owner-en');
    await page.fill('#cn-name', 'Sam Wire');
    await page.fill('#cn-address', '5 Press Row, Albany NY 12207');
    await page.fill('#cn-phone', '+1 518 555 0123');
    await page.fill('#cn-material', `The article at ${articles.get('news-21')?.url}`);
    await page.check('#cn-perjury');
    await page.check('#cn-consent');
    await page.fill('#cn-signature', 'Sam Wire');
    await Promise.all([page.waitForURL(/sent=counter-notice/), page.click('#counter-notice button[type=submit]')]);
    expect(await page.textContent('[role=status]')).toContain('Your counter-notice has been filed');

    await move(c.reference, { to: 'restoration_pending' });
    const accepted = await t.sink.waitFor(
      (m) => (m.subject ?? '').includes(c.reference) && /contests the removal/.test(m.subject ?? ''),
    );
    const tracking = /https?:\/\/[^\s]+\/track\/[A-Za-z0-9_-]{43}/.exec(accepted.text ?? '')?.[0] as string;
    const track = await newPage();
    await track.goto(`${tracking}?lang=en`);
    expect(await track.textContent('#litigation .restore-date')).toContain('Restoration date');
    await screenshot(track, 'restoration-date-track-en');
    // Proof of a suit from the page: a moderator is told; the page says it is being checked.
    await track.setInputFiles('#litigation-files', proof);
    await track.fill('#litigation-note', 'N.D.N.Y. 1:26-cv-01234');
    await Promise.all([track.waitForURL(/proof=1/), track.click('#litigation button[type=submit]')]);
    expect(await track.textContent('#litigation')).toContain('A moderator is checking it');
    await screenshot(track, 'litigation-proof-sent-en');
  }, 90000);
});
