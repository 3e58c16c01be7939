import type { ParsedMail } from 'mailparser';
import { DataSource } from 'typeorm';
import { ReplaySweeper } from '../src/complaints/replay-sweeper';
import { startTestApp, TestApp } from './helpers/app';
import { createStaff, signIn, StaffSession } from './helpers/staff';

interface Article {
  slug: string;
  url: string;
  title: string;
  images: Array<{ id: string; url: string }>;
}

/**
 * Issue 6: duplicates tell the truth (a filing joins an earlier case only while that case is
 * undecided and names the same items; else it is a new, linked case; the API reveals nothing),
 * private links stay private (no token in clear in any table beyond the replay window), and
 * every content owner gets a link of their own.
 */
describe('duplicates, related cases and private links (real PostgreSQL and SMTP)', () => {
  let t: TestApp;
  let db: DataSource;
  let mod: StaffSession;
  let articles: Map<string, Article>;
  let seq = 0;
  const email = (tag: string) => `${tag}-${Date.now()}-${seq++}@example.test`;
  const article = (slug: string) => articles.get(slug) as Article;

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${t.baseUrl}/api/v1/complaints`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const complaint = (who: string, items: unknown[], over: Record<string, unknown> = {}) => ({
    legalBasis: 'eu-dsa',
    locale: 'en',
    complainant: { name: 'Jane Roe', email: who },
    items,
    explanation: `This infringes my rights (${seq++}).`,
    declarations: { truthful: true, goodFaith: true },
    ...over,
  });
  const image = (slug: string) => ({
    articleUrl: article(slug).url,
    kind: 'image',
    detail: article(slug).images[0].id,
  });
  const whole = (slug: string) => ({ articleUrl: article(slug).url, kind: 'article' });
  const file = async (body: unknown) => {
    const res = await post(body);
    expect(res.status).toBe(201);
    return (await res.json()) as { reference: string; state: string; trackingUrl: string };
  };
  const staffApi = (method: string, path: string, body?: unknown) =>
    fetch(`${t.baseUrl}${path}`, {
      method,
      headers: {
        cookie: mod.cookie,
        'x-csrf-token': mod.csrfToken,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
  const caseView = async (ref: string) =>
    (await (await staffApi('GET', `/api/v1/complaints/${ref}`)).json()) as {
      state: string;
      version: number;
      duplicateOf: string | null;
      related: Array<{ reference: string; state: string }>;
      duplicates: Array<{ reference: string }>;
    };
  const move = async (ref: string, body: Record<string, unknown>) => {
    const res = await staffApi('POST', `/api/v1/complaints/${ref}/transitions`, body);
    expect(res.status).toBe(200);
    return (await res.json()) as { state: string; version: number };
  };
  const dbState = async (ref: string) =>
    (
      await db.query<Array<{ state: string; duplicate_of: string | null }>>(
        `SELECT c.state, d.reference AS duplicate_of FROM complaint c LEFT JOIN complaint d ON d.id = c.duplicate_of WHERE c.reference = $1`,
        [ref],
      )
    )[0];
  const mailTo = (who: string, ref: string) =>
    t.sink.waitFor((m) => m.subject?.includes(ref) === true && t.sink.to(who).includes(m));
  const linkIn = (m: ParsedMail, path: 'track' | 'respond') =>
    new RegExp(`${t.baseUrl}/${path}/([A-Za-z0-9_-]{43})`).exec(m.text ?? '');
  /** Every row of every table in the schema, as text, that contains `needle`. */
  const grepDatabase = async (needle: string) => {
    const tables = await db.query<Array<{ name: string }>>(
      `SELECT quote_ident(table_name) AS name FROM information_schema.tables
        WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
    );
    const hits: string[] = [];
    for (const { name } of tables) {
      const [{ n }] = await db.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM ${name} x WHERE strpos(x::text, $1) > 0`,
        [needle],
      );
      if (n) hits.push(`${name} (${n})`);
    }
    return hits;
  };

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    const staff = await createStaff(db, { role: 'moderator', displayName: 'Mod Dup' });
    mod = await signIn(t.baseUrl, staff.email);
    const list = (await (await fetch(`${t.baseUrl}/api/v1/articles?limit=200`)).json()) as { items: Article[] };
    articles = new Map(list.items.map((a) => [a.slug, a]));
  });

  afterAll(async () => {
    await t?.close();
  });

  it('same items while the earlier case is undecided: a duplicate, answered exactly like a new filing; only the address owner is told which case took it', async () => {
    const who = email('dup');
    const first = await file(complaint(who, [image('news-20')]));
    // For comparison: somebody else's new filing.
    const freshRes = await post(complaint(email('other'), [image('news-20')]));
    const res = await post(complaint(who.toUpperCase(), [image('news-20')], { explanation: 'More evidence.' }));

    // The answer: same status, same headers, same fields and shapes as a new filing.
    expect(res.status).toBe(freshRes.status);
    const headerNames = (r: Response) =>
      [...r.headers.keys()].filter((h) => !['date', 'content-length', 'etag'].includes(h)).sort();
    expect(headerNames(res)).toEqual(headerNames(freshRes));
    expect(res.headers.get('location')).toMatch(/^\/api\/v1\/complaints\/ND-\d{4}-\d{6}$/);
    const fresh = (await freshRes.json()) as Record<string, unknown>;
    const second = (await res.json()) as { reference: string; state: string; trackingUrl: string };
    expect(Object.keys(second).sort()).toEqual(Object.keys(fresh).sort());
    expect(second.state).toBe('received');
    expect(fresh.state).toBe('received');
    expect(second.reference).not.toBe(first.reference);
    expect(second.trackingUrl).toMatch(new RegExp(`^${t.baseUrl}/track/[A-Za-z0-9_-]{43}$`));
    expect(JSON.stringify(second)).not.toContain(first.reference);

    // Inside, it is a duplicate of the first.
    expect(await dbState(second.reference)).toEqual({ state: 'duplicate', duplicate_of: first.reference });

    // The address owner hears that it joined their earlier case; no receipt, and the desk is not told twice.
    const joined = await mailTo(who, second.reference);
    expect(joined.subject).toContain(first.reference);
    expect(joined.text).toContain(`your earlier case ${first.reference}`);
    await new Promise((r) => setTimeout(r, 500));
    expect(t.sink.to(who).filter((m) => m.subject?.includes(second.reference))).toHaveLength(1);
    expect(t.sink.to('desk@example.test').filter((m) => m.subject?.includes(second.reference))).toHaveLength(0);

    // Its tracking view reads like a new filing's, once both mails are recorded as sent.
    type Track = { state: string; timeline: Array<{ action: string; text: string }> };
    const track = async (url: string) =>
      (await (await fetch(url.replace('/track/', '/api/v1/track/'))).json()) as Track;
    const actions = (v: Track) => v.timeline.map((e) => e.action);
    let dupView = await track(second.trackingUrl);
    let freshView = await track(fresh.trackingUrl as string);
    for (let i = 0; i < 50 && (actions(dupView).length < 2 || actions(freshView).length < 2); i++) {
      await new Promise((r) => setTimeout(r, 100));
      [dupView, freshView] = await Promise.all([track(second.trackingUrl), track(fresh.trackingUrl as string)]);
    }
    expect(actions(dupView)).toEqual(actions(freshView));
    expect(dupView.timeline.map((e) => e.text)).toEqual(
      freshView.timeline.map((e) => e.text.replace(String(fresh.reference), second.reference)),
    );

    // The new filing's tracking page (its own link, and the mail's) never names the earlier case.
    const mailed = linkIn(joined, 'track')?.[0] as string;
    expect(mailed).toBeDefined();
    for (const url of [second.trackingUrl, mailed]) {
      const api = (await (await fetch(url.replace('/track/', '/api/v1/track/'))).json()) as Record<string, unknown>;
      expect(api).toMatchObject({ reference: second.reference, state: 'received' });
      expect(JSON.stringify(api)).not.toContain(first.reference);
      for (const lang of ['en', 'zh-CN']) {
        const page = await fetch(`${url}?lang=${lang}`);
        expect(page.status).toBe(200);
        const html = await page.text();
        expect(html).toContain(second.reference);
        expect(html).not.toContain(first.reference);
        expect(html).not.toMatch(/duplicate|joined|重复|并入/i);
      }
    }

    // Staff see it: on the earlier case's page and API, and in the queue's counts.
    expect((await caseView(first.reference)).duplicates.map((d) => d.reference)).toEqual([second.reference]);
    expect((await caseView(second.reference)).duplicateOf).toBe(first.reference);
    const casePage = await (await staffApi('GET', `/staff/complaints/${first.reference}?lang=en`)).text();
    expect(casePage).toMatch(/data-duplicates[\s\S]*?ND-\d{4}-\d{6}/);
    expect(casePage).toContain(`href="/staff/complaints/${second.reference}"`);
    const queue = (await (await staffApi('GET', `/api/v1/queue?limit=100`)).json()) as {
      duplicates: number;
      items: Array<{ reference: string; duplicates: number }>;
    };
    expect(queue.duplicates).toBeGreaterThanOrEqual(1);
    expect(queue.items.find((i) => i.reference === first.reference)?.duplicates).toBe(1);
    const queuePage = await (await staffApi('GET', `/staff/queue?lang=en&limit=100`)).text();
    expect(queuePage).toContain('data-duplicates-chip');
  });

  it('a different image while the earlier case is undecided: a new case, linked to the earlier one', async () => {
    const who = email('img');
    const first = await file(complaint(who, [image('news-21')]));
    const second = await file(complaint(who, [image('news-21'), image('news-22')]));
    expect(await dbState(second.reference)).toEqual({ state: 'received', duplicate_of: null });
    const receipt = await mailTo(who, second.reference);
    expect(receipt.subject).toContain('We have received your complaint');
    expect((await caseView(second.reference)).related).toEqual([
      expect.objectContaining({ reference: first.reference, state: 'received' }),
    ]);
    expect((await caseView(first.reference)).related.map((r) => r.reference)).toEqual([second.reference]);
    const page = await (await staffApi('GET', `/staff/complaints/${second.reference}?lang=en`)).text();
    expect(page).toContain('Related cases');
    expect(page).toContain(`href="/staff/complaints/${first.reference}"`);
  });

  it('the same items after a decision (new evidence after a rejection): a new case, linked, not swallowed', async () => {
    const who = email('after');
    const first = await file(complaint(who, [whole('news-23')]));
    await move(first.reference, { to: 'in_review', version: 1 });
    await move(first.reference, { to: 'rejected', version: 2, reason: 'No evidence of infringement.' });
    const second = await file(complaint(who, [whole('news-23')], { explanation: 'Here is the evidence.' }));
    expect(await dbState(second.reference)).toEqual({ state: 'received', duplicate_of: null });
    expect((await caseView(second.reference)).related).toEqual([
      expect.objectContaining({ reference: first.reference, state: 'rejected' }),
    ]);
    const receipt = await mailTo(who, second.reference);
    expect(receipt.text).not.toContain(first.reference);
  });

  it('no table holds a usable link: mail_job keeps no token before or after sending, only hashes remain', async () => {
    const who = email('tok');
    const out = await file(complaint(who, [whole('news-24')]));
    const apiToken = out.trackingUrl.split('/').pop() as string;
    const receipt = await mailTo(who, out.reference);
    const mailToken = linkIn(receipt, 'track')?.[1] as string;
    expect(mailToken).toBeDefined();
    const receiptJob = async () =>
      (
        await db.query<Array<{ state: string; row: string }>>(
          `SELECT m.state, m::text AS row FROM mail_job m JOIN complaint c ON c.id = m.complaint_id
            WHERE c.reference = $1 AND m.template = 'complaint-receipt'`,
          [out.reference],
        )
      )[0];
    // The message arrives a moment before the worker records it as sent.
    let job = await receiptJob();
    for (let i = 0; i < 50 && job.state !== 'sent'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      job = await receiptJob();
    }
    expect(job.state).toBe('sent');
    for (const token of [apiToken, mailToken]) {
      expect(job.row).not.toContain(token);
      expect(await grepDatabase(token)).toEqual([]);
    }
    // Both links open the case.
    for (const token of [apiToken, mailToken]) {
      const res = await fetch(`${t.baseUrl}/api/v1/track/${token}`);
      expect(((await res.json()) as { reference: string }).reference).toBe(out.reference);
    }
  });

  it('Idempotency-Key: a replay inside the window answers the same link; after it, no clear token is left', async () => {
    const body = complaint(email('replay'), [whole('news-25')]);
    const key = `dup-links-${Date.now()}`;
    const first = (await (await post(body, { 'Idempotency-Key': key })).json()) as { trackingUrl: string };
    const token = first.trackingUrl.split('/').pop() as string;
    const inside = await post(body, { 'Idempotency-Key': key });
    expect(inside.headers.get('idempotent-replayed')).toBe('true');
    expect(((await inside.json()) as { trackingUrl: string }).trackingUrl).toBe(first.trackingUrl);
    // Kept only for the replay window, and only there.
    expect(await grepDatabase(token)).toEqual(['intake_replay (1)']);

    // The window passes.
    await db.query(
      `UPDATE intake_replay SET expires_at = now() - interval '1 second'
        WHERE complaint_id = (SELECT id FROM complaint WHERE idempotency_key = $1)`,
      [key],
    );
    const after = await post(body, { 'Idempotency-Key': key });
    expect(after.status).toBe(201);
    expect(after.headers.get('idempotent-replayed')).toBe('true');
    const late = (await after.json()) as { reference: string; state: string; trackingUrl: string | null };
    expect(late.trackingUrl).toBeNull();
    expect(late.state).toBe('received');
    expect(await t.app.get(ReplaySweeper).sweep()).toBeGreaterThanOrEqual(1);
    expect(await grepDatabase(token)).toEqual([]);
    // The link still works: only the clear copy is gone.
    expect((await fetch(`${t.baseUrl}/api/v1/track/${token}`)).status).toBe(200);
  });

  it('every content owner gets a link of their own, whose page shows only their items', async () => {
    const who = email('owners');
    // news-03: syndication@ (n % 3 = 0); news-04: reporters@.
    const out = await file(complaint(who, [whole('news-03'), whole('news-04')], { locale: 'zh-CN' }));
    await move(out.reference, { to: 'in_review', version: 1 });
    await move(out.reference, {
      to: 'actioned',
      version: 2,
      reason: 'Upheld for both articles.',
      remedies: [
        { item: 0, remedy: 'no_action' },
        { item: 1, remedy: 'no_action' },
      ],
    });
    const links: Record<string, string> = {};
    for (const owner of ['syndication@demo-news.example', 'reporters@demo-news.example']) {
      const notice = await mailTo(owner, out.reference);
      const link = linkIn(notice, 'respond');
      expect(link).not.toBeNull();
      links[owner] = link?.[0] as string;
      expect(await grepDatabase(link?.[1] as string)).toEqual([]);
    }
    expect(links['syndication@demo-news.example']).not.toBe(links['reporters@demo-news.example']);
    const own = { 'syndication@demo-news.example': 'news-03', 'reporters@demo-news.example': 'news-04' };
    for (const [owner, slug] of Object.entries(own)) {
      const other = slug === 'news-03' ? 'news-04' : 'news-03';
      for (const lang of ['zh-CN', 'en']) {
        const res = await fetch(`${links[owner]}?lang=${lang}`);
        expect(res.status).toBe(200);
        const html = await res.text();
        expect(html).toContain(article(slug).url);
        expect(html).not.toContain(article(other).url);
      }
    }
    const rows = await db.query<Array<{ owner_email: string }>>(
      `SELECT l.owner_email FROM access_link l JOIN complaint c ON c.id = l.complaint_id
        WHERE c.reference = $1 AND l.party = 'content_owner' ORDER BY 1`,
      [out.reference],
    );
    expect(rows.map((r) => r.owner_email)).toEqual(['reporters@demo-news.example', 'syndication@demo-news.example']);
  });
});
