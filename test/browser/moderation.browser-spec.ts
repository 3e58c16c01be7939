import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { ZH_CN } from '../../src/common/i18n/zh-CN';
import { startTestApp, TestApp } from '../helpers/app';
import { launchBrowser, screenshot, writeTestPng } from '../helpers/browser';
import { createStaff } from '../helpers/staff';

interface Person {
  id: string;
  email: string;
  password: string;
  name: string;
}

/**
 * The moderator's and the admin's path in a real browser: sign in, queue, case page, claim,
 * request information, the complainant's answer on the tracking page, uphold with remove_image
 * (the article shows a notice in place of the image), escalate a whole-article removal and an
 * admin's approval (the article answers 451); the English page; reply templates; evidence download.
 */
describe('moderation in the browser', () => {
  let t: TestApp;
  let db: DataSource;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let moderator: Person;
  let admin: Person;
  let forum: { url: string; slug: string; images: Array<{ id: string; url: string }> };

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    browser = await launchBrowser();
    [moderator, admin] = await Promise.all([person('moderator', '李审核'), person('admin', '王律师')]);
    const list = (await (await fetch(`${t.baseUrl}/api/v1/articles?limit=200`)).json()) as {
      items: Array<typeof forum>;
    };
    forum = list.items.find((a) => a.slug === 'shanghai-sister-cities-forum') as typeof forum;
    await db.query(
      `INSERT INTO reply_template (name, legal_basis, locale, body, updated_by) VALUES
         ('补充原始文件', 'cn-copyright', 'zh-CN', '请提供摄影作品的原始文件（含拍摄信息）。', $1),
         ('驳回：证据不足', NULL, 'zh-CN', '经审核，现有材料不足以证明您对该作品享有权利。', $1),
         ('Proof of ownership', NULL, 'en', 'Please send the original file of your photograph.', $1)`,
      [admin.id],
    );
  }, 90000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await t?.close();
  });

  /** A staff member with a password, created the way `npm run user:create` does. */
  async function person(role: 'moderator' | 'admin', name: string): Promise<Person> {
    const s = await createStaff(db, { role, displayName: name });
    return { id: s.id, email: s.email, password: s.password, name };
  }

  async function newPage(lang: 'zh-CN' | 'en' = 'zh-CN'): Promise<Page> {
    const context = await browser.newContext({ locale: lang, viewport: { width: 1440, height: 900 } });
    contexts.push(context);
    return context.newPage();
  }

  async function signIn(page: Page, who: Person): Promise<void> {
    await page.goto(`${t.baseUrl}/staff/login`);
    await page.locator('input[name="email"]').fill(who.email);
    await page.locator('input[name="password"]').fill(who.password);
    await Promise.all([page.waitForNavigation(), page.locator('form button[type="submit"]').first().click()]);
    expect(page.url()).not.toContain('/staff/login');
  }

  /** Files a complaint as the public does (multipart with a PNG); returns the reference and tracking link. */
  async function file(complaint: Record<string, unknown>): Promise<{ reference: string; trackingUrl: string }> {
    const form = new FormData();
    form.append('complaint', JSON.stringify(complaint));
    form.append('evidence', new Blob([readFileSync(writeTestPng('proof.png'))], { type: 'image/png' }), 'proof.png');
    // 民法典 Art. 1195: a personal-rights notice carries a proof of identity.
    if (complaint.legalBasis === 'cn-personal-rights')
      form.append('identity', new Blob([readFileSync(writeTestPng('id.png'))], { type: 'image/png' }), 'id.png');
    const res = await fetch(`${t.baseUrl}/api/v1/complaints`, { method: 'POST', body: form });
    expect(res.status).toBe(201);
    return (await res.json()) as { reference: string; trackingUrl: string };
  }

  /** Finds the case in the queue (searching its reference) and opens it from there. */
  async function openCase(page: Page, reference: string, shot?: string): Promise<void> {
    if (shot) {
      const full = await page.goto(`${t.baseUrl}/staff/queue`);
      expect(full?.status()).toBe(200);
      await screenshot(page, shot);
    }
    const queue = await page.goto(`${t.baseUrl}/staff/queue?q=${encodeURIComponent(reference)}`);
    expect(queue?.status()).toBe(200);
    const link = page.locator(`a[href="/staff/complaints/${reference}"]`).first();
    expect(await link.count()).toBe(1);
    await Promise.all([page.waitForNavigation(), link.click()]);
    await expectText(page.locator('h1'), reference);
  }

  const badge = (page: Page) => page.locator('[data-state-badge]');
  const submit = async (page: Page, action: string) => {
    await Promise.all([page.waitForNavigation(), page.locator(`[data-action="${action}"]`).click()]);
  };

  it('claim, request information, the complainant answers, uphold with remove_image: the article shows a notice', async () => {
    const { reference } = await file({
      legalBasis: 'cn-copyright',
      locale: 'zh-CN',
      complainant: {
        name: '张三',
        email: `zs-${Date.now()}@example.test`,
        address: '上海市黄浦区示例路 1 号',
        phone: '+86 21 5555 0100',
      },
      items: [{ articleUrl: forum.url, kind: 'image', detail: forum.images[0].id }],
      originalWork: {
        description: '摄影作品《友城论坛现场》，作者张三，2024 年 9 月首次发表。',
        url: 'https://photos.example.test/zhangsan/forum',
      },
      explanation: '该图片系本人拍摄的摄影作品，未经许可被刊载于贵网文章中，侵犯了本人的信息网络传播权。',
      declarations: { truthful: true },
    });
    const page = await newPage();
    await signIn(page, moderator);
    await openCase(page, reference, 'staff-queue');
    expect(await badge(page).innerText()).toContain('已收到');
    await expectText(page.locator('[data-explanation]'), '信息网络传播权');
    expect(await page.locator('.case-item__thumb img').getAttribute('src')).toBe(`/media/images/${forum.images[0].id}`);
    await expectText(page.locator('[data-snapshot]'), 'SHA-256');
    expect(await page.locator('[data-snapshot]').getAttribute('data-changed')).toBe('false');
    expect(await page.locator('[data-file]').count()).toBe(1);
    await screenshot(page, 'case-received');

    // Evidence downloads as an attachment, never rendered inline.
    const href = (await page.locator('[data-file] a').getAttribute('href')) as string;
    const download = await page.request.get(`${t.baseUrl}${href}`);
    expect(download.status()).toBe(200);
    expect(download.headers()['content-type']).toBe('image/png');
    expect(download.headers()['content-disposition']).toContain("filename*=UTF-8''proof.png");
    expect(download.headers()['x-content-type-options']).toBe('nosniff');

    await submit(page, 'claim');
    await expectText(page.locator('[data-done="claim"]'), '已认领');
    expect(await badge(page).innerText()).toContain('审核中');
    await expectText(page.locator('[data-assignee]'), moderator.name);

    // Request information: one missing item per line, a template inserted by the picker.
    await page.locator('[data-form="request_info"] summary').click();
    await page.locator('#request_info-missing').fill('原始照片文件（含 EXIF 信息）\n首次发表的网页地址');
    const picker = page.locator('#request_info-message-tpl');
    expect(await picker.isVisible()).toBe(true);
    expect(await picker.locator('option').allInnerTexts()).not.toContain('Proof of ownership');
    await picker.selectOption({ label: '补充原始文件' });
    expect(await page.locator('#request_info-message').inputValue()).toBe('请提供摄影作品的原始文件（含拍摄信息）。');
    await screenshot(page, 'case-request-info-form');
    await submit(page, 'request_info');
    await expectText(page.locator('[data-done="request_info"]'), '补充请求');
    await expectText(page.locator('.case-callout--warn'), '首次发表的网页地址');
    await screenshot(page, 'case-needs-info');

    // The complainant answers on the tracking page.
    const mail = await t.sink.waitFor((m) => (m.text ?? '').includes('首次发表的网页地址'));
    // The mail's link is minted at send time (not the confirmation page's); both open the case.
    const mailLink = /https?:\/\/\S+\/track\/[A-Za-z0-9_-]{43}/.exec(mail.text ?? '')?.[0];
    expect(mailLink).toBeDefined();
    const complainant = await newPage();
    await complainant.goto(mailLink as string);
    await complainant
      .locator('#answer-text')
      .fill('原始文件已附上，首次发表于 https://photos.example.test/zhangsan/forum 。');
    await complainant.locator('#answer-files').setInputFiles(writeTestPng('original.png'));
    await screenshot(complainant, 'tracking-answer-form');
    await Promise.all([
      complainant.waitForNavigation(),
      complainant.locator('.answer-form button[type="submit"]').click(),
    ]);
    await expectText(complainant.locator('#answer'), '已收到您的补充材料');
    await screenshot(complainant, 'tracking-answered');

    // Back on the case: the answer, its file, and the case is in review again.
    await page.reload();
    expect(await badge(page).innerText()).toContain('审核中');
    await expectText(page.locator('[data-response]'), '原始文件已附上');
    await expectText(page.locator('[data-response]'), 'original.png');
    await expectText(page.locator('.case-timeline'), '投诉人提交补充材料');

    // Uphold without reasons: 422, values kept.
    await page.locator('[data-form="uphold"] summary').click();
    await page.locator('#uphold-remedy-0').selectOption('remove_image');
    expect(await page.locator('#uphold-remedy-0 option[value="remove_article"]').count()).toBe(0);
    await submit(page, 'uphold');
    await expectText(page.locator('#case-error'), '请填写理由');
    expect(await page.locator('#uphold-remedy-0').inputValue()).toBe('remove_image');
    expect(await page.locator('[data-form="uphold"]').getAttribute('open')).not.toBeNull();
    await screenshot(page, 'case-uphold-error');

    await page.locator('#uphold-reason').fill('投诉人提供了原始文件与首次发表记录，足以初步证明其享有著作权。');
    await screenshot(page, 'case-uphold-form');
    await submit(page, 'uphold');
    await expectText(page.locator('[data-done="uphold"]'), '措施已执行');
    expect(await badge(page).innerText()).toContain('已处理');
    await expectText(page.locator('[data-item="0"]'), '删除图片');
    expect(await page.locator('[data-snapshot]').getAttribute('data-changed')).toBe('true');
    expect(await page.locator('.case-item__thumb--removed').count()).toBe(1);
    await screenshot(page, 'case-actioned');

    const article = await newPage();
    await article.goto(`${t.baseUrl}/articles/${forum.slug}`);
    // Other specs of the run may have removed other images of this shared demo article.
    const notice = article.locator('.image-removed', { hasText: reference });
    expect(await notice.count()).toBe(1);
    await notice.scrollIntoViewIfNeeded();
    await screenshot(article, 'article-image-removed');
  });

  it('a moderator escalates a whole-article removal, an admin approves it, the article answers 451', async () => {
    const list = (await (await fetch(`${t.baseUrl}/api/v1/articles?limit=200`)).json()) as {
      items: Array<{ slug: string; url: string }>;
    };
    const target = list.items.find((a) => a.slug === 'news-01') as { slug: string; url: string };
    const { reference } = await file({
      legalBasis: 'cn-personal-rights',
      locale: 'zh-CN',
      complainant: { name: '李四', email: `ls-${Date.now()}@example.test` },
      items: [{ articleUrl: target.url, kind: 'article' }],
      explanation: '该文章捏造事实，严重损害本人名誉，请删除全文。',
      declarations: { truthful: true },
    });
    const page = await newPage();
    await signIn(page, moderator);
    await openCase(page, reference);
    await submit(page, 'claim');

    // Uphold offers no whole-article removal; escalate does.
    await page.locator('[data-form="escalate"] summary').click();
    await page.locator('#escalate-remedy-0').selectOption('remove_article');
    expect(await page.locator('#escalate-remedy-0 option[value="remove_image"]').count()).toBe(0);
    await page.locator('#escalate-reason').fill('文章核心事实经核实与判决书不符，建议删除全文。');
    await screenshot(page, 'case-escalate-form');
    await submit(page, 'escalate');
    await expectText(page.locator('[data-done="escalate"]'), '管理员审批');
    expect(await badge(page).innerText()).toContain(ZH_CN['state.escalated.label']);
    expect(await page.locator('[data-no-actions]').count()).toBe(1);

    const adminPage = await newPage();
    await signIn(adminPage, admin);
    await openCase(adminPage, reference);
    await expectText(adminPage.locator('[data-escalation]'), '删除整篇文章');
    await expectText(adminPage.locator('[data-escalation]'), moderator.name);
    expect(await adminPage.locator('.staff-nav a[href="/staff/users"]').count()).toBe(1);
    await screenshot(adminPage, 'case-approve-form');
    await submit(adminPage, 'approve');
    await expectText(adminPage.locator('[data-done="approve"]'), '已批准');
    expect(await badge(adminPage).innerText()).toContain('已处理');
    await screenshot(adminPage, 'case-approved');

    const res = await adminPage.goto(`${t.baseUrl}/articles/${target.slug}`);
    expect(res?.status()).toBe(451);
    await screenshot(adminPage, 'article-451');
  });

  it('shows the case page in English, and a stale form answers 409 with the typed text kept', async () => {
    const { reference } = await file({
      legalBasis: 'eu-dsa',
      locale: 'en',
      complainant: { name: 'Pat Doe', email: `pat-${Date.now()}@example.test` },
      items: [{ articleUrl: forum.url, kind: 'passage', detail: 'The quoted passage that is wrong.' }],
      explanation: 'This passage is defamatory.',
      declarations: { truthful: true, goodFaith: true },
    });
    const page = await newPage('en');
    await signIn(page, moderator);
    await page.goto(`${t.baseUrl}/staff/complaints/${reference}?lang=en`);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await expectText(page.locator('#sec-actions'), 'Actions');
    await submit(page, 'claim');
    await expectText(page.locator('[data-done="claim"]'), 'Claimed');
    await expectText(page.locator('.case-quote--passage'), 'The quoted passage');

    await page.locator('[data-form="reject"] summary').click();
    await page.locator('#reject-reason').fill('Not defamatory: a fair report of court proceedings.');
    const picker = page.locator('#reject-reason-tpl');
    expect(await picker.locator('option').allInnerTexts()).toContain('Proof of ownership');
    // Someone else moved the case meanwhile (simulated by bumping its version).
    await db.query(`UPDATE complaint SET version = version + 1 WHERE reference = $1`, [reference]);
    await submit(page, 'reject');
    await expectText(page.locator('#case-error'), 'changed since you opened it');
    expect(await page.locator('#reject-reason').inputValue()).toBe(
      'Not defamatory: a fair report of court proceedings.',
    );
    await screenshot(page, 'case-english-conflict');
    await submit(page, 'reject');
    await expectText(page.locator('[data-done="reject"]'), 'Rejected');

    await page.locator('#note-body').fill('Checked the court record: the report is accurate.');
    await submit(page, 'note');
    await expectText(page.locator('[data-note]'), 'Checked the court record');
    await screenshot(page, 'case-english');

    // A phone: one column, actions first, nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    const overflow = await page.evaluate<number>(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'case-phone');
  });

  it('closes a repeat filing as a duplicate of the same complainant’s open case; offers not_processed only after a misuse warning', async () => {
    const email = `ww-${Date.now()}@example.test`;
    const complainant = { name: '王五', email };
    const base = {
      legalBasis: 'cn-personal-rights',
      locale: 'zh-CN',
      complainant,
      explanation: '该文章擅自使用本人肖像。',
      declarations: { truthful: true },
    };
    const list = (await (await fetch(`${t.baseUrl}/api/v1/articles?limit=200`)).json()) as {
      items: Array<{ slug: string; url: string }>;
    };
    const url = (slug: string) => (list.items.find((a) => a.slug === slug) as { url: string }).url;
    const { reference: earlier } = await file({ ...base, items: [{ articleUrl: url('news-05'), kind: 'article' }] });
    const { reference } = await file({ ...base, items: [{ articleUrl: url('news-07'), kind: 'article' }] });

    const adminPage = await newPage();
    await signIn(adminPage, admin);
    await adminPage.goto(`${t.baseUrl}/staff/complaints/${reference}`);
    expect(await adminPage.locator('[data-action="not_processed"], [data-form="not_processed"]').count()).toBe(0);
    // Even a hand-made form is refused, in the reader's language.
    const csrf = (await adminPage.locator('input[name="_csrf"]').first().getAttribute('value')) as string;
    const forged = await adminPage.request.post(`${t.baseUrl}/staff/complaints/${reference}/transitions`, {
      form: { _csrf: csrf, to: 'not_processed', version: '1', reason: '滥用。' },
    });
    // Not without a misuse warning to this address before the notice (DSA Art. 23).
    expect(forged.status()).toBe(403);
    expect(await forged.text()).toContain(ZH_CN['case.error.noPriorWarning']);

    const page = await newPage();
    await signIn(page, moderator);
    await openCase(page, reference);
    await page.locator('[data-form="mark_duplicate"] summary').click();
    await expectText(page.locator('[data-duplicate-candidates]'), earlier);
    await page.locator('#mark_duplicate-of').fill(reference);
    await submit(page, 'mark_duplicate');
    await expectText(page.locator('#case-error'), ZH_CN['case.error.duplicateOf.self']);
    expect(await page.locator('#mark_duplicate-of').inputValue()).toBe(reference);
    expect(await badge(page).innerText()).toContain('已收到');
    await page.locator('#mark_duplicate-of').fill(earlier);
    await screenshot(page, 'case-mark-duplicate-form');
    await submit(page, 'mark_duplicate');
    await expectText(page.locator('[data-done="mark_duplicate"]'), '重复投诉');
    expect(await badge(page).innerText()).toContain(ZH_CN['state.duplicate.label']);
    await expectText(page.locator('.case-head__note'), earlier);
    await expectText(page.locator('.case-timeline'), earlier);
    expect(await page.locator('[data-no-actions]').count()).toBe(1);
    await screenshot(page, 'case-duplicate');
    const mail = await t.sink.waitFor(
      (m) => m.subject?.includes(reference) === true && (m.text ?? '').includes(earlier),
    );
    expect(mail.subject).toContain('并入');
  });

  it('the approver is offered only the proposal or less (English); a forged wider choice is refused; the proposer’s reasons stand', async () => {
    const { reference } = await file({
      legalBasis: 'eu-dsa',
      locale: 'en',
      complainant: { name: 'Sam Roe', email: `sam-${Date.now()}@example.test` },
      items: [{ articleUrl: forum.url, kind: 'image', detail: forum.images[1].id }],
      explanation: 'This is my photograph, used without a licence.',
      declarations: { truthful: true, goodFaith: true },
    });
    const page = await newPage('en');
    await signIn(page, moderator);
    await page.goto(`${t.baseUrl}/staff/complaints/${reference}?lang=en`);
    expect(await page.locator('[data-action="not_processed"]').count()).toBe(0);
    await page.locator('[data-form="mark_duplicate"] summary').click();
    await expectText(page.locator('[data-form="mark_duplicate"]'), 'no other undecided case');
    expect(await page.locator('[data-action="mark_duplicate"]').count()).toBe(0); // nothing it could join
    await screenshot(page, 'case-mark-duplicate-form-en');
    await submit(page, 'claim');
    await page.locator('[data-form="escalate"] summary').click();
    await page.locator('#escalate-remedy-0').selectOption('remove_image');
    await page.locator('#escalate-reason').fill('The photograph is the complainant’s; remove it.');
    await submit(page, 'escalate');
    await expectText(page.locator('[data-done="escalate"]'), 'Escalated');

    const adminPage = await newPage('en');
    await signIn(adminPage, admin);
    await adminPage.goto(`${t.baseUrl}/staff/complaints/${reference}?lang=en`);
    const options: string[] = [];
    for (const o of await adminPage.locator('#approve-remedy-0 option').all()) {
      const v = await o.getAttribute('value');
      if (v) options.push(v);
    }
    expect(options).toEqual(['remove_image', 'edit_passage', 'add_correction', 'add_attribution', 'no_action']);
    expect(await adminPage.locator('#approve-remedy-0').inputValue()).toBe('remove_image');
    expect(await adminPage.locator('#approve-remedy-0 option[value="remove_image"]').textContent()).toContain(
      '(proposed)',
    );
    await expectText(adminPage.locator('[data-form="approve"]'), 'proposer’s reasons');
    await screenshot(adminPage, 'case-approve-form-en');

    // A hand-made form asking for more than was proposed: 422, explained, nothing applied.
    const csrf = (await adminPage.locator('[data-form="approve"] input[name="_csrf"]').getAttribute('value')) as string;
    const forged = await adminPage.request.post(`${t.baseUrl}/staff/complaints/${reference}/transitions`, {
      form: { _csrf: csrf, to: 'actioned', kind: 'approve', version: '3', 'remedies[0][remedy]': 'remove_article' },
    });
    expect(forged.status()).toBe(422);
    expect(await forged.text()).toContain('reaches further than proposed');
    expect((await fetch(`${t.baseUrl}/articles/${forum.slug}`)).status).toBe(200);

    await adminPage.locator('#approve-remedy-0').selectOption('add_correction');
    await adminPage.locator('input[name="remedies[0][text]"]').fill('A photograph was removed after a complaint.');
    await submit(adminPage, 'approve');
    await expectText(adminPage.locator('[data-done="approve"]'), 'Approved');
    await expectText(adminPage.locator('[data-item="0"]'), 'Correction');
    await expectText(adminPage.locator('.case-callout--quiet'), 'The photograph is the complainant’s; remove it.');
    await screenshot(adminPage, 'case-approved-narrower-en');
  });

  it('reply templates: admins create, edit and delete (audited); moderators read', async () => {
    const adminPage = await newPage();
    await signIn(adminPage, admin);
    await adminPage.goto(`${t.baseUrl}/staff/reply-templates`);
    await adminPage.locator('.replies-new summary').click();
    await adminPage.locator('#new-name').fill('');
    await Promise.all([adminPage.waitForNavigation(), adminPage.locator('.replies-new button[type="submit"]').click()]);
    await expectText(adminPage.locator('#case-error'), '请填写名称');
    await adminPage.locator('#new-name').fill('更正说明');
    await adminPage.locator('#new-basis').selectOption('accuracy');
    await adminPage.locator('#new-body').fill('经核实，原文中的相关表述有误，现予更正。');
    await Promise.all([adminPage.waitForNavigation(), adminPage.locator('.replies-new button[type="submit"]').click()]);
    await expectText(adminPage.locator('[data-done="created"]'), '模板已创建');
    await screenshot(adminPage, 'reply-templates-admin');
    const [{ n }] = await db.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM audit_event WHERE action = 'reply_template.created'`,
    );
    expect(n).toBe(1);

    const row = adminPage.locator('[data-template]', { hasText: '更正说明' });
    await row.locator('.replies-edit summary').click();
    await row.locator('textarea[name="body"]').fill('经核实，原文表述有误，现予更正并致歉。');
    await Promise.all([adminPage.waitForNavigation(), row.locator('.replies-edit button[type="submit"]').click()]);
    await expectText(adminPage.locator('[data-template]', { hasText: '更正说明' }), '并致歉');
    adminPage.once('dialog', (d) => void d.accept());
    await Promise.all([
      adminPage.waitForNavigation(),
      adminPage.locator('[data-template]', { hasText: '更正说明' }).locator('form[data-confirm] button').click(),
    ]);
    await expectText(adminPage.locator('[data-done="deleted"]'), '模板已删除');
    const actions = await db.query<Array<{ action: string }>>(
      `SELECT action FROM audit_event WHERE action LIKE 'reply_template.%' ORDER BY id`,
    );
    expect(actions.map((a) => a.action)).toEqual([
      'reply_template.created',
      'reply_template.updated',
      'reply_template.deleted',
    ]);

    const modPage = await newPage();
    await signIn(modPage, moderator);
    await modPage.goto(`${t.baseUrl}/staff/reply-templates`);
    expect(await modPage.locator('.replies-new').count()).toBe(0);
    expect(await modPage.locator('form[data-confirm]').count()).toBe(0);
    await screenshot(modPage, 'reply-templates-moderator');
    const denied = await modPage.request.post(`${t.baseUrl}/staff/reply-templates`, {
      form: { name: 'x', locale: 'zh-CN', body: 'x' },
    });
    expect(denied.status()).toBe(403);
  });
});

async function expectText(locator: Locator, text: string): Promise<void> {
  await locator.first().waitFor();
  expect(await locator.first().innerText()).toContain(text);
}
