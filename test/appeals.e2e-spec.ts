import { DataSource } from 'typeorm';
import { AuditService } from '../src/audit/audit.service';
import { Clock } from '../src/common/clock';
import { CaseTimerRepository } from '../src/complaints/case-timer.repository';
import { ComplaintsService } from '../src/complaints/complaints.service';
import { TimerWorker } from '../src/complaints/timer-worker';
import { MailWorker } from '../src/mail/mail-worker';
import { OutboxSignal } from '../src/mail/outbox-signal';
import { tokenStaff } from './helpers/staff';
import type { TokenStaff } from './helpers/staff';
import { startTestApp, TestApp } from './helpers/app';

type Staff = TokenStaff;
interface Article {
  slug: string;
  url: string;
  images: Array<{ id: string }>;
}

/** A staff member with a personal API token. */
const staff = tokenStaff;

/**
 * Appeals (DSA Art. 20), withdrawal and the appeal window over HTTP, with real PostgreSQL, the
 * real TimerWorker (its poll loop off; the tests drive it and move the Clock) and SMTP read back
 * in both languages. Each test takes an article of its own.
 */
describe('appeals, withdrawal and the appeal window (HTTP, PostgreSQL, SMTP)', () => {
  let t: TestApp;
  let db: DataSource;
  let clock: Clock;
  let worker: TimerWorker;
  let mod1: Staff, mod2: Staff, admin1: Staff, admin2: Staff;
  let articles: Article[];
  let n = 0;

  const api = (who: Staff | null, method: string, path: string, body?: unknown) =>
    fetch(`${t.baseUrl}${path}`, {
      method,
      headers: {
        ...(who ? { authorization: `Bearer ${who.token}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
  const caseRow = async (reference: string) =>
    (
      await db.query<Array<{ id: string; state: string; version: number }>>(
        `SELECT id, state, version FROM complaint WHERE reference = $1`,
        [reference],
      )
    )[0];
  /** A staff step at the case's current version. */
  const move = async (who: Staff, reference: string, body: Record<string, unknown>) =>
    api(who, 'POST', `/api/v1/complaints/${reference}/transitions`, {
      version: (await caseRow(reference)).version,
      ...body,
    });
  const ok = async (res: Response) => {
    if (res.status !== 200) throw new Error(`${res.status} ${await res.text()}`);
    return res;
  };
  const code = async (res: Response) => ({ status: res.status, code: ((await res.json()) as { code: string }).code });

  /** Files a complaint; returns its reference, tracking token and address. */
  async function file(article: Article, opts: { locale?: 'en' | 'zh-CN'; items?: unknown[]; basis?: string } = {}) {
    const email = `appellant${n++}-${Date.now()}@example.test`;
    const res = await api(null, 'POST', '/api/v1/complaints', {
      legalBasis: opts.basis ?? 'eu-dsa',
      locale: opts.locale ?? 'en',
      complainant: { name: 'Pat Doe', email },
      items: opts.items ?? [
        { articleUrl: article.url, kind: 'article' },
        { articleUrl: article.url, kind: 'image', detail: article.images[0].id },
      ],
      explanation: 'This article uses my photograph and misstates facts about me.',
      declarations: { truthful: true, goodFaith: true },
    });
    expect(res.status).toBe(201);
    const { reference, trackingUrl } = (await res.json()) as { reference: string; trackingUrl: string };
    return { reference, email, token: trackingUrl.split('/track/')[1] };
  }

  const mails = async (address: string, reference: string) => {
    await t.app.get(MailWorker).drain();
    return t.sink.to(address).filter((m) => m.subject?.includes(reference));
  };
  const ownerOf = async (article: Article) =>
    (
      await db.query<Array<{ email: string }>>(`SELECT lower(owner_email) AS email FROM article WHERE slug = $1`, [
        article.slug,
      ])
    )[0].email;
  /** An accuracy complaint (Chinese) on the whole article, upheld by mod1 with a correction note. */
  const correctedOn = async (article: Article, reason: string, text: string) => {
    const c = await file(article, {
      locale: 'zh-CN',
      basis: 'accuracy',
      items: [{ articleUrl: article.url, kind: 'article' }],
    });
    await ok(await move(mod1, c.reference, { to: 'in_review' }));
    await ok(
      await move(mod1, c.reference, {
        to: 'actioned',
        reason,
        remedies: [{ item: 0, remedy: 'add_correction', text }],
      }),
    );
    return c;
  };
  const webhooks = async (reference: string) =>
    (
      await db.query<Array<{ event: string }>>(
        `SELECT event FROM webhook_job WHERE payload->>'complaint' = $1 ORDER BY created_at, event`,
        [reference],
      )
    ).map((r) => r.event);
  const imageStatus = async (imageId: string) =>
    (await db.query<Array<{ status: string }>>(`SELECT status FROM article_image WHERE id = $1`, [imageId]))[0].status;
  const windowOf = async (reference: string) =>
    (
      await db.query<Array<{ due_at: Date }>>(
        `SELECT t.due_at FROM case_timer t JOIN complaint c ON c.id = t.complaint_id
          WHERE c.reference = $1 AND t.kind = 'appeal_window_end' AND t.done_at IS NULL`,
        [reference],
      )
    )[0]?.due_at;
  /** The owner's private response link from the newest mail about this case that carries one. */
  const ownerLink = async (owner: string, reference: string) => {
    const links = (await mails(owner, reference))
      .map((m) => /\/respond\/([A-Za-z0-9_-]{40,64})/.exec(m.text ?? '')?.[1])
      .filter(Boolean);
    return links.at(-1) as string;
  };
  const setNow = (at: Date) => jest.spyOn(clock, 'now').mockReturnValue(at);

  beforeAll(async () => {
    t = await startTestApp({
      TIMER_WORKER: 'false',
      CMS_WEBHOOK_URL: 'http://127.0.0.1:9/hooks',
      CMS_WEBHOOK_SECRET: 'x'.repeat(32),
      // The CMS is unreachable on purpose (webhook rows are what the tests read): no retry warnings.
      LOG_LEVEL: 'error',
    });
    db = t.app.get(DataSource);
    clock = t.app.get(Clock);
    worker = t.app.get(TimerWorker);
    [mod1, mod2, admin1, admin2] = await Promise.all([
      staff(db, 'moderator', 'Mod One'),
      staff(db, 'moderator', 'Mod Two'),
      staff(db, 'admin', 'Admin One'),
      staff(db, 'admin', 'Admin Two'),
    ]);
    const list = (await (await api(null, 'GET', '/api/v1/articles?limit=200')).json()) as { items: Article[] };
    articles = list.items.filter((a) => a.images.length && a.slug !== 'shanghai-sister-cities-forum');
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(async () => {
    await t?.close();
  });

  it('the complainant appeals a rejection within the window; the decider is refused; another person upholds it on appeal, and the image goes', async () => {
    const article = articles[0];
    const owner = await ownerOf(article);
    const c = await file(article);
    await ok(await move(mod1, c.reference, { to: 'in_review' }));
    await ok(await move(mod1, c.reference, { to: 'rejected', reason: 'The photograph is the agency’s own.' }));

    // The window is APPEAL_MONTHS calendar months, to the end of that day in Beijing: the same date the mail promises.
    const until = new Date(await windowOf(c.reference));
    const now = new Date();
    const expected = new Date(now.getTime() + 8 * 3_600_000);
    expected.setUTCMonth(expected.getUTCMonth() + 6);
    expect(until.toISOString().slice(0, 10)).toBe(expected.toISOString().slice(0, 10));
    expect(until.toISOString().slice(11)).toBe('15:59:59.999Z');
    const [rejected] = (await mails(c.email, c.reference)).filter((m) => m.subject?.includes('not upheld'));
    const day = until.toLocaleDateString('en-GB', {
      timeZone: 'Asia/Shanghai',
      day: 'numeric',
      month: 'long',
      year: 'numeric',
    });
    expect(rejected.text).toContain(day);

    const tracked = (await (await api(null, 'GET', `/api/v1/track/${c.token}`)).json()) as {
      appeals: { canAppeal: boolean; appealUntil: string; canWithdraw: boolean };
    };
    expect(tracked.appeals).toMatchObject({ canAppeal: true, appealUntil: until.toISOString(), canWithdraw: false });

    // Blank appeals are refused; a plain-words appeal is received, free, with a receipt.
    expect((await api(null, 'POST', `/api/v1/track/${c.token}/appeal`, { appeal: '  ' })).status).toBe(422);
    const filed = await api(null, 'POST', `/api/v1/track/${c.token}/appeal`, {
      appeal: 'The agency licensed the photograph from me only for print, never for the web.',
    });
    expect(await filed.json()).toEqual({ reference: c.reference, state: 'appeal_review' });
    expect(await windowOf(c.reference)).toBeUndefined();
    const receipts = (await mails(c.email, c.reference)).filter((m) => m.subject?.includes('received your appeal'));
    expect(receipts).toHaveLength(1);
    expect(receipts[0].text).toContain('took no part in the decision appealed');
    // The owner was never told of a rejected complaint, and is not told of its appeal either.
    expect((await mails(owner, c.reference)).length).toBe(0);

    // The person who took the decision cannot decide the appeal (by staff id, whatever the role).
    expect(await code(await move(mod1, c.reference, { to: 'actioned', reason: 'x', remedies: [] }))).toEqual({
      status: 403,
      code: 'APPEAL_DECIDER_CONFLICT',
    });
    expect(await code(await move(mod1, c.reference, { to: 'rejected', reason: 'Still no.' }))).toEqual({
      status: 403,
      code: 'APPEAL_DECIDER_CONFLICT',
    });
    // A rejection removed nothing: restoring is not an outcome of its appeal.
    expect(await code(await move(mod2, c.reference, { to: 'restored', reason: 'x' }))).toEqual({
      status: 409,
      code: 'ILLEGAL_TRANSITION',
    });
    // Another moderator may not remove a whole article alone on appeal.
    expect(
      await code(
        await move(mod2, c.reference, {
          to: 'actioned',
          reason: 'Licensed for print only.',
          remedies: [
            { item: 0, remedy: 'remove_article' },
            { item: 1, remedy: 'remove_image' },
          ],
        }),
      ),
    ).toEqual({ status: 403, code: 'SECOND_PERSON_REQUIRED' });
    expect((await caseRow(c.reference)).state).toBe('appeal_review');
    // The case page offers the appeal decisions to another person, not to the decider.
    const offered = async (who: Staff) =>
      (
        (await (await api(who, 'GET', `/api/v1/complaints/${c.reference}`)).json()) as {
          actions: Array<{ kind: string }>;
        }
      ).actions.map((a) => a.kind);
    expect(await offered(mod1)).toEqual([]);
    expect((await offered(mod2)).sort()).toEqual(['appeal_action', 'appeal_reject', 'appeal_restore']);

    await ok(
      await move(mod2, c.reference, {
        to: 'actioned',
        reason: 'The licence covered print only; the photograph is removed online.',
        remedies: [
          { item: 0, remedy: 'no_action' },
          { item: 1, remedy: 'remove_image' },
        ],
      }),
    );
    expect(await imageStatus(article.images[0].id)).toBe('removed');
    expect(await webhooks(c.reference)).toEqual(['image.hidden']);
    const [appeal] = await db.query<Array<Record<string, unknown>>>(
      `SELECT a.party, a.appealed_state, a.appealed_decided_by, a.decided_by, a.outcome FROM appeal a
         JOIN complaint c ON c.id = a.complaint_id WHERE c.reference = $1`,
      [c.reference],
    );
    expect(appeal).toMatchObject({
      party: 'complainant',
      appealed_state: 'rejected',
      appealed_decided_by: mod1.id,
      decided_by: mod2.id,
      outcome: 'actioned',
    });
    // Both parties hear the outcome and the reasons: the complainant in English, the owner in Chinese.
    const decided = (await mails(c.email, c.reference)).filter((m) => m.subject?.includes('appeal has been decided'));
    expect(decided).toHaveLength(1);
    expect(decided[0].text).toContain('The licence covered print only');
    expect(decided[0].text).toContain('The image was taken down (in force)');
    expect(decided[0].text).toContain('No measure in force');
    // Appealed once already: the outcome closes the internal review for the complainant.
    expect(decided[0].text).toContain('concludes our internal review');
    const ownerMail = (await mails(owner, c.reference)).filter((m) => m.subject?.includes('申诉复核结果'));
    expect(ownerMail).toHaveLength(1);
    expect(ownerMail[0].text).toContain('投诉人就案件');
    expect(ownerMail[0].text).toMatch(/如不同意本次复核决定，您可在.+前通过专属链接提出申诉/);
    expect(ownerMail[0].text).toContain('/respond/');

    // One appeal per party and case.
    expect(
      await code(await api(null, 'POST', `/api/v1/track/${c.token}/appeal`, { appeal: 'Remove the article too.' })),
    ).toEqual({ status: 403, code: 'APPEAL_NOT_OPEN' });
  });

  it('an owner’s appeal dismissed leaves the remedies as they stand: no second correction note, no webhook again', async () => {
    const article = articles[1];
    const owner = await ownerOf(article);
    const c = await correctedOn(article, '文中论坛日期有误。', '更正：论坛于11月12日举行。');
    expect(await webhooks(c.reference)).toEqual(['article.corrected']);
    // A complainant whose request was granted in full has nothing to appeal.
    expect(await code(await api(null, 'POST', `/api/v1/track/${c.token}/appeal`, { appeal: 'more' }))).toEqual({
      status: 403,
      code: 'APPEAL_NOT_OPEN',
    });

    const link = await ownerLink(owner, c.reference);
    const appealed = await api(null, 'POST', `/api/v1/respond/${link}/appeal`, {
      appeal: '原文日期引自主办方公告，并无错误。',
    });
    expect(await appealed.json()).toEqual({ reference: c.reference, state: 'appeal_review' });
    // The complainant (Chinese) hears that the other party appealed; the owner gets a receipt.
    const told = (await mails(c.email, c.reference)).filter((m) => m.subject?.includes('本案已有一方提出申诉'));
    expect(told).toHaveLength(1);
    expect(told[0].text).toContain('内容权利方已对案件');
    expect((await mails(owner, c.reference)).filter((m) => m.subject?.includes('我们已收到您的申诉'))).toHaveLength(1);

    // The proposer-free decision was mod1's: mod1 is refused, an admin who took no part dismisses it.
    expect(await code(await move(mod1, c.reference, { to: 'actioned', reason: 'x', remedies: [] }))).toEqual({
      status: 403,
      code: 'APPEAL_DECIDER_CONFLICT',
    });
    await ok(
      await move(admin1, c.reference, {
        to: 'actioned',
        reason: '主办方已更正其公告，更正说明保留。',
        remedies: [{ item: 0, remedy: 'add_correction' }],
      }),
    );
    const corrections = await db.query<Array<{ body: string; withdrawn_at: Date | null }>>(
      `SELECT k.body, k.withdrawn_at FROM article_correction k JOIN complaint c ON c.id = k.complaint_id WHERE c.reference = $1`,
      [c.reference],
    );
    expect(corrections).toEqual([{ body: '更正：论坛于11月12日举行。', withdrawn_at: null }]);
    expect(await webhooks(c.reference)).toEqual(['article.corrected']);
    const ownerDecided = (await mails(owner, c.reference)).filter((m) => m.subject?.includes('申诉复核结果'));
    expect(ownerDecided).toHaveLength(1);
    expect(ownerDecided[0].text).toContain('您就案件');
    expect(ownerDecided[0].text).toContain('本次复核结果为本平台内部复核的最终结果');
    // The complainant, granted in full, has nothing to appeal in the new decision either: told the outcome only.
    const complainantDecided = (await mails(c.email, c.reference)).filter((m) => m.subject?.includes('申诉复核结果'));
    expect(complainantDecided).toHaveLength(1);
    expect(complainantDecided[0].text).toContain('主办方已更正其公告');
  });

  it('an owner’s appeal against a two-person removal: proposer and approver are refused, another moderator restores the article', async () => {
    const article = articles[2];
    const owner = await ownerOf(article);
    const c = await file(article, { items: [{ articleUrl: article.url, kind: 'article' }] });
    await ok(await move(mod1, c.reference, { to: 'in_review' }));
    await ok(
      await move(mod1, c.reference, {
        to: 'escalated',
        reason: 'Unlawful throughout.',
        remedies: [{ item: 0, remedy: 'remove_article' }],
      }),
    );
    await ok(await move(admin1, c.reference, { to: 'actioned' }));
    expect((await fetch(`${t.baseUrl}/articles/${article.slug}`)).status).toBe(451);

    const link = await ownerLink(owner, c.reference);
    await ok(
      await api(null, 'POST', `/api/v1/respond/${link}/appeal`, { appeal: 'The article reports court records.' }),
    );
    for (const who of [mod1, admin1])
      expect(await code(await move(who, c.reference, { to: 'restored', reason: 'x' }))).toEqual({
        status: 403,
        code: 'APPEAL_DECIDER_CONFLICT',
      });
    await ok(await move(mod2, c.reference, { to: 'restored', reason: 'The article reports public court records.' }));
    expect((await fetch(`${t.baseUrl}/articles/${article.slug}`)).status).toBe(200);
    expect(await webhooks(c.reference)).toEqual(['article.hidden', 'article.restored']);
    // The complainant may now appeal the restoration (they have not appealed yet), until the new window's end.
    const decided = (await mails(c.email, c.reference)).filter((m) => m.subject?.includes('appeal has been decided'));
    expect(decided).toHaveLength(1);
    expect(decided[0].text).toContain('The content is restored');
    expect(decided[0].text).toContain('You may appeal against this new decision until');
    const tracked = (await (await api(null, 'GET', `/api/v1/track/${c.token}`)).json()) as {
      state: string;
      appeals: { canAppeal: boolean };
    };
    expect(tracked).toMatchObject({ state: 'restored', appeals: { canAppeal: true } });
    // And that appeal is decided by neither the first deciders nor the appeal's decider.
    await ok(await api(null, 'POST', `/api/v1/track/${c.token}/appeal`, { appeal: 'The records were sealed.' }));
    expect(await code(await move(mod2, c.reference, { to: 'rejected', reason: 'x' }))).toEqual({
      status: 403,
      code: 'APPEAL_DECIDER_CONFLICT',
    });
    // An admin who took no part may remove the whole article on appeal.
    await ok(
      await move(admin2, c.reference, {
        to: 'actioned',
        reason: 'The records were sealed by the court.',
        remedies: [{ item: 0, remedy: 'remove_article' }],
      }),
    );
    expect((await fetch(`${t.baseUrl}/articles/${article.slug}`)).status).toBe(451);
    expect(await webhooks(c.reference)).toEqual(['article.hidden', 'article.restored', 'article.hidden']);
  });

  it('after the window an appeal is refused, and the window closes the case once, with two workers at once', async () => {
    const cases = [await file(articles[3], { locale: 'zh-CN' }), await file(articles[4])];
    for (const c of cases) {
      await ok(await move(mod1, c.reference, { to: 'in_review' }));
      await ok(await move(mod1, c.reference, { to: 'rejected', reason: 'Not shown.' }));
    }
    const due = new Date(await windowOf(cases[1].reference));
    // Up to the last moment of the window an appeal is received…
    setNow(new Date(due.getTime() - 1000));
    expect((await (await api(null, 'GET', `/api/v1/track/${cases[0].token}`)).json()) as object).toMatchObject({
      appeals: { canAppeal: true },
    });
    await worker.drain();
    expect((await caseRow(cases[0].reference)).state).toBe('rejected');
    // …and not after it.
    setNow(new Date(due.getTime() + 60_000));
    expect(
      await code(await api(null, 'POST', `/api/v1/track/${cases[0].token}/appeal`, { appeal: 'Too late?' })),
    ).toEqual({ status: 403, code: 'APPEAL_WINDOW_CLOSED' });
    const rival = new TimerWorker(
      db,
      t.app.get(ComplaintsService),
      t.app.get(CaseTimerRepository),
      t.app.get(AuditService),
      clock,
      t.app.get(OutboxSignal),
      t.config,
    );
    await Promise.all([worker.runOnce(), rival.runOnce()]);
    await Promise.all([worker.drain(), rival.drain()]);
    for (const c of cases) {
      expect((await caseRow(c.reference)).state).toBe('closed');
      const [{ closings }] = await db.query<Array<{ closings: string }>>(
        `SELECT count(*) AS closings FROM audit_event e JOIN complaint c ON c.id::text = e.subject_id::text
          WHERE c.reference = $1 AND e.action = 'complaint.transition' AND e.payload->>'to' = 'closed' AND e.actor_type = 'system'`,
        [c.reference],
      );
      expect(Number(closings)).toBe(1);
      const tracked = (await (await api(null, 'GET', `/api/v1/track/${c.token}`)).json()) as object;
      expect(tracked).toMatchObject({ state: 'closed', appeals: { canAppeal: false, windowClosed: true } });
    }
  });

  it('withdrawal reverses what rested only on this case, keeps what another case holds, tells the owner, confirms, and closes later', async () => {
    const article = articles[5];
    const owner = await ownerOf(article);
    const image = article.images[0].id;
    const held = await file(article, { items: [{ articleUrl: article.url, kind: 'image', detail: image }] });
    const mine = await file(article, { locale: 'zh-CN' });
    await ok(await move(mod1, held.reference, { to: 'in_review' }));
    await ok(
      await move(mod1, held.reference, {
        to: 'actioned',
        reason: 'Unlicensed.',
        remedies: [{ item: 0, remedy: 'remove_image' }],
      }),
    );
    await ok(await move(mod1, mine.reference, { to: 'in_review' }));
    await ok(
      await move(mod1, mine.reference, {
        to: 'actioned',
        reason: 'Unlicensed, and a date was wrong.',
        remedies: [
          { item: 0, remedy: 'add_correction', text: 'Corrected: the date.' },
          { item: 1, remedy: 'remove_image' },
        ],
      }),
    );
    // A withdrawal cannot be undone: the API asks for an explicit confirmation.
    expect((await api(null, 'POST', `/api/v1/track/${mine.token}/withdraw`, {})).status).toBe(422);
    const withdrawn = await api(null, 'POST', `/api/v1/track/${mine.token}/withdraw`, { confirm: true });
    expect(await withdrawn.json()).toEqual({ reference: mine.reference, state: 'withdrawn' });
    // The correction rested on this case alone: withdrawn. The image stays removed: the other case holds it.
    expect(await imageStatus(image)).toBe('removed');
    expect((await webhooks(mine.reference)).sort()).toEqual(
      ['article.corrected', 'image.hidden', 'article.correction_withdrawn'].sort(),
    );
    const confirmation = (await mails(mine.email, mine.reference)).filter((m) => m.subject?.includes('您已撤回投诉'));
    expect(confirmation).toHaveLength(1);
    expect(confirmation[0].text).toContain('撤回后不可恢复');
    const ownerTold = (await mails(owner, mine.reference)).filter((m) => m.subject?.includes('已撤回'));
    expect(ownerTold).toHaveLength(1);
    expect(ownerTold[0].text).toContain('因另一案件仍然有效');
    expect(ownerTold[0].text).toContain('已撤销');
    // Withdrawn once; it cannot be withdrawn again, nor appealed.
    expect((await api(null, 'POST', `/api/v1/track/${mine.token}/withdraw`, { confirm: true })).status).toBe(409);

    // The other complainant withdraws too (English): now the image comes back.
    await ok(await api(null, 'POST', `/api/v1/track/${held.token}/withdraw`, { confirm: true }));
    expect(await imageStatus(image)).toBe('visible');
    expect(await webhooks(held.reference)).toEqual(['image.hidden', 'image.restored']);
    expect(
      (await mails(held.email, held.reference)).filter((m) => m.subject?.includes('You have withdrawn')),
    ).toHaveLength(1);

    // A withdrawn case stays on record WITHDRAWN_CLOSE_DAYS (14), then the timer closes it.
    const due = new Date(await windowOf(mine.reference));
    expect(due.getTime() - Date.now()).toBeGreaterThan(13.9 * 86_400_000);
    expect(due.getTime() - Date.now()).toBeLessThan(14.1 * 86_400_000);
    setNow(new Date(due.getTime() + 1000));
    await worker.drain();
    expect((await caseRow(mine.reference)).state).toBe('closed');
  });

  it('a window that ends while the app is down closes the case once after a restart', async () => {
    const c = await file(articles[7], { locale: 'zh-CN' });
    await ok(await move(mod1, c.reference, { to: 'in_review' }));
    await ok(await move(mod1, c.reference, { to: 'rejected', reason: '证据不足。' }));
    const due = new Date(await windowOf(c.reference));
    await t.close();
    // The same database, a new process, started after the window ended.
    t = await startTestApp({ TIMER_WORKER: 'false', LOG_LEVEL: 'error' });
    db = t.app.get(DataSource);
    clock = t.app.get(Clock);
    worker = t.app.get(TimerWorker);
    setNow(new Date(due.getTime() + 86_400_000));
    await worker.drain();
    await worker.drain();
    expect((await caseRow(c.reference)).state).toBe('closed');
    const events = await db.query<Array<{ n: string }>>(
      `SELECT count(*) AS n FROM audit_event e JOIN complaint c ON c.id::text = e.subject_id::text
        WHERE c.reference = $1 AND e.action = 'complaint.transition' AND e.payload->>'to' = 'closed'`,
      [c.reference],
    );
    expect(Number(events[0].n)).toBe(1);
  });

  it('a case withdrawn before any decision: nothing to undo, the owner is not told, the waiting timer is cancelled', async () => {
    const article = articles[6];
    const owner = await ownerOf(article);
    const c = await file(article);
    await ok(await move(mod1, c.reference, { to: 'in_review' }));
    await ok(await move(mod1, c.reference, { to: 'needs_info', missing: ['the original photograph'] }));
    await ok(await api(null, 'POST', `/api/v1/track/${c.token}/withdraw`, { confirm: true }));
    const timers = await db.query<Array<{ kind: string; outcome: string | null }>>(
      `SELECT t.kind, t.outcome FROM case_timer t JOIN complaint c ON c.id = t.complaint_id WHERE c.reference = $1 ORDER BY t.created_at`,
      [c.reference],
    );
    expect(timers).toEqual([
      { kind: 'needs_info_expiry', outcome: 'cancelled' },
      { kind: 'appeal_window_end', outcome: null },
    ]);
    expect(await webhooks(c.reference)).toEqual([]);
    expect((await mails(owner, c.reference)).length).toBe(0);
    const confirmation = (await mails(c.email, c.reference)).filter((m) => m.subject?.includes('You have withdrawn'));
    expect(confirmation).toHaveLength(1);
    expect(confirmation[0].text).not.toContain('WHAT WAS UNDONE');
  });
  it('an owner who reads English is told of a withdrawal, an appeal and its outcome in English (article.owner_locale)', async () => {
    const article = articles[8];
    const owner = await ownerOf(article);
    await db.query(`UPDATE article SET owner_locale = 'en' WHERE slug = $1`, [article.slug]);
    try {
      const decided = () => correctedOn(article, '日期有误。', 'Corrected: the date.');
      const withdrawn = await decided();
      await ok(await api(null, 'POST', `/api/v1/track/${withdrawn.token}/withdraw`, { confirm: true }));
      const told = (await mails(owner, withdrawn.reference)).filter((m) => m.subject?.includes('was withdrawn'));
      expect(told).toHaveLength(1);
      expect(told[0].text).toContain('WHAT CHANGES');

      const appealed = await decided();
      const link = await ownerLink(owner, appealed.reference);
      await ok(
        await api(null, 'POST', `/api/v1/respond/${link}/appeal`, { appeal: 'The date came from the organiser.' }),
      );
      expect(
        (await mails(owner, appealed.reference)).filter((m) => m.subject?.includes('We have received your appeal')),
      ).toHaveLength(1);
      await ok(
        await move(admin1, appealed.reference, {
          to: 'actioned',
          reason: '主办方已更正其公告。',
          remedies: [{ item: 0, remedy: 'add_correction' }],
        }),
      );
      expect(
        (await mails(owner, appealed.reference)).filter((m) => m.subject?.includes('The appeal has been decided')),
      ).toHaveLength(1);
      // Nothing to this owner in Chinese (but the article's own title, quoted).
      expect(
        (await mails(owner, withdrawn.reference))
          .concat(await mails(owner, appealed.reference))
          .filter((m) => /[\u4e00-\u9fff]/.test((m.subject ?? '').replace(/"[^"]*"/g, ''))),
      ).toEqual([]);
    } finally {
      await db.query(`UPDATE article SET owner_locale = 'zh-CN' WHERE slug = $1`, [article.slug]);
    }
  });
});
