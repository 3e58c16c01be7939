import { DataSource } from 'typeorm';
import { tokenStaff } from './helpers/staff';
import type { TokenStaff } from './helpers/staff';
import { startTestApp, TestApp } from './helpers/app';

type Staff = TokenStaff;

/** A staff member with a personal API token. */
const staff = tokenStaff;

const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

/**
 * The re-notice bar of 信息网络传播权保护条例 Art. 17, at intake, over HTTP against the real app,
 * PostgreSQL and SMTP. A cn-copyright filing by the same address about the same work on the same
 * article as an earlier cn-copyright case of theirs that was restored after a valid counter-notice
 * is answered like any filing, linked to that case, marked barred, audited and mailed; a
 * moderator then rejects it with the prefilled reasons.
 *
 * The `restored` state cannot yet be reached through the product (the counter-notice and
 * restoration edges are built separately), so this spec puts the earlier case in it with SQL
 * (`UPDATE complaint SET state = 'restored'`), and for "closed after restoration" also appends the
 * audit event that restoration will write (complaint.transition to 'restored').
 * Articles news-39, news-40 and news-35 are used by this spec alone.
 */
describe('re-notice bar for cn-copyright (条例 Art. 17)', () => {
  let t: TestApp;
  let db: DataSource;
  let mod: Staff;
  const urls = new Map<string, { url: string; images: Array<{ id: string }> }>();
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
  const newEmail = (tag: string) => `${tag}${n++}-${Date.now()}@example.test`;

  /** A complete cn-copyright filing (multipart with its evidence); returns the API's answer. */
  async function file(
    email: string,
    slug: string,
    work: { description: string; url?: string },
    over: Record<string, unknown> = {},
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const a = urls.get(slug)!;
    const complaint = {
      legalBasis: 'cn-copyright',
      locale: 'zh-CN',
      complainant: { name: '陈摄影', email, address: '上海市徐汇区某路 9 号' },
      items: [{ articleUrl: a.url, kind: 'image', detail: a.images[0].id }],
      originalWork: work,
      explanation: '该图片是我拍摄的作品，未经许可使用。',
      declarations: { truthful: true },
      ...over,
    };
    const form = new FormData();
    form.set('complaint', JSON.stringify(complaint));
    form.append('evidence', new Blob([PDF], { type: 'application/pdf' }), 'raw-file.pdf');
    const res = await fetch(`${t.baseUrl}/api/v1/complaints`, { method: 'POST', body: form });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }
  const row = async (reference: unknown) =>
    (
      await db.query<Array<{ id: string; state: string; renotice_barred_by: string | null }>>(
        `SELECT id, state, renotice_barred_by FROM complaint WHERE reference = $1`,
        [reference],
      )
    )[0];
  /** Test set-up only: the state restoration will reach (see the note above). */
  const restore = (reference: string) =>
    db.query(`UPDATE complaint SET state = 'restored', due_at = NULL WHERE reference = $1`, [reference]);

  const HARBOUR = { description: '我的摄影作品《黎明的港口》', url: 'https://photos.example/chen/harbour-dawn/' };

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    mod = await staff(db, 'moderator', 'Mod Bar');
    const list = (await (await api(null, 'GET', '/api/v1/articles?limit=200')).json()) as {
      items: Array<{ slug: string; url: string; images: Array<{ id: string }> }>;
    };
    for (const a of list.items) urls.set(a.slug, a);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('a new notice of the same work after restoration: 201 like any filing, linked, marked, audited, mailed; rejected by a moderator with the prefilled reasons', async () => {
    const email = newEmail('bar');
    const earlier = await file(email, 'news-39', HARBOUR);
    expect(earlier.status).toBe(201);
    const earlierRef = earlier.body.reference as string;
    await restore(earlierRef);

    // The same address in other letters, the same work named by its address written differently.
    const again = await file(email.toUpperCase(), 'news-39', {
      description: 'Harbour at Dawn, my photo',
      url: 'HTTPS://www.Photos.example/chen/harbour-dawn#top',
    });
    expect(again.status).toBe(201);
    // Nothing in the answer tells the filer about another case.
    expect(Object.keys(again.body).sort()).toEqual(['reference', 'state', 'trackingUrl']);
    expect(again.body.state).toBe('received');
    expect(JSON.stringify(again.body)).not.toContain(earlierRef);
    const ref = again.body.reference as string;
    const [e, c] = [await row(earlierRef), await row(ref)];
    expect(c.state).toBe('received');
    expect(c.renotice_barred_by).toBe(e.id);
    expect(
      await db.query(`SELECT 1 FROM complaint_link WHERE complaint_id = $1 AND related_id = $2`, [c.id, e.id]),
    ).toHaveLength(1);
    const events = await db.query<Array<{ actor_type: string; payload: Record<string, unknown> }>>(
      `SELECT actor_type, payload FROM audit_event WHERE subject_id = $1 AND action = 'complaint.renotice_barred'`,
      [c.id],
    );
    expect(events).toEqual([
      {
        actor_type: 'system',
        payload: { reference: ref, barredBy: earlierRef, rule: '信息网络传播权保护条例 Art. 17' },
      },
    ]);

    // The address is told, in the filing's language, that Art. 17 bars it and what is left to them.
    const barred = await t.sink.waitFor(
      (m) => m.subject === `[${ref}] 依据《条例》第十七条，不得就同一作品再次通知删除` && t.sink.to(email).includes(m),
    );
    expect(barred.text).toContain(`此前的案件 ${earlierRef}`);
    expect(barred.text).toContain('权利人不得再通知网络服务提供者删除该作品');
    expect(barred.text).toContain('向人民法院提起诉讼，或向著作权行政管理部门投诉');
    // Answered like any filing: the receipt, and the desk is told of a case to handle.
    await t.sink.waitFor((m) => m.subject?.startsWith(`[${ref}]`) === true && /\/track\//.test(m.text ?? ''));
    await t.sink.waitFor((m) => m.subject?.includes(ref) === true && t.sink.to('desk@example.test').includes(m));

    // The tracking page shows a received case and names no other.
    const track = await (await fetch(String(again.body.trackingUrl))).text();
    expect(track).toContain(ref);
    expect(track).not.toContain(earlierRef);

    // Staff: the API names the barring case; the page shows the callout quoting Art. 17 with the reasons.
    const view = (await (await api(mod, 'GET', `/api/v1/complaints/${ref}`)).json()) as {
      renoticeBarredBy: string | null;
    };
    expect(view.renoticeBarredBy).toBe(earlierRef);
    const page = await (await api(mod, 'GET', `/staff/complaints/${ref}`)).text();
    const callout = /<section class="case-callout[^"]*"[^>]*data-renotice-barred>[\s\S]*?<\/section>/.exec(page)?.[0];
    expect(callout).toBeDefined();
    expect(callout).toContain('《信息网络传播权保护条例》第十七条');
    expect(callout).toContain('权利人不得再通知网络服务提供者删除该作品、表演、录音录像制品');
    expect(callout).toContain(`href="/staff/complaints/${earlierRef}"`);
    expect(callout).toContain(`（案件 ${earlierRef}）`);
    const enPage = await (await api(mod, 'GET', `/staff/complaints/${ref}?lang=en`)).text();
    expect(enPage).toContain('Re-notice barred');
    expect(enPage).toContain('The rights holder may not again notify the network service provider');

    // No decision by software: the case waits in the queue; a moderator claims and rejects it.
    expect(c.state).toBe('received');
    expect(
      (await api(mod, 'POST', `/api/v1/complaints/${ref}/transitions`, { to: 'in_review', version: 1 })).status,
    ).toBe(200);
    const claimed = await (await api(mod, 'GET', `/staff/complaints/${ref}`)).text();
    const rejectBox = /<textarea[^>]*id="reject-reason"[^>]*>([\s\S]*?)<\/textarea>/.exec(claimed)?.[1] ?? '';
    expect(rejectBox).toContain('第十七条');
    expect(rejectBox).toContain(earlierRef);
    const reason = rejectBox
      .replace(/&#x27;/g, "'")
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&');
    const reject = await api(mod, 'POST', `/api/v1/complaints/${ref}/transitions`, {
      to: 'rejected',
      version: 2,
      reason,
    });
    expect(await reject.json()).toEqual({ state: 'rejected', version: 3 });
    const rejected = await t.sink.waitFor(
      (m) => m.subject?.startsWith(`[${ref}]`) === true && (m.text ?? '').includes('第十七条') && m !== barred,
    );
    expect(rejected.text).toContain('可以向人民法院提起诉讼');
  });

  it('a case closed after its restoration bars too (its audit trail shows it passed through restored); closed otherwise does not', async () => {
    const email = newEmail('closed');
    const earlier = await file(email, 'news-40', HARBOUR);
    const earlierRef = earlier.body.reference as string;
    const { id } = await row(earlierRef);
    // Closed without ever being restored: no bar.
    await db.query(`UPDATE complaint SET state = 'closed', due_at = NULL WHERE id = $1`, [id]);
    const plain = await file(email, 'news-40', HARBOUR, {
      items: [{ articleUrl: urls.get('news-40')!.url, kind: 'article' }],
    });
    expect(plain.status).toBe(201);
    expect((await row(plain.body.reference)).renotice_barred_by).toBeNull();
    // Test set-up only: what restoration will record, then its later closing.
    await db.query(
      `INSERT INTO audit_event (actor_type, action, subject_type, subject_id, payload)
       VALUES ('system', 'complaint.transition', 'complaint', $1, $2)`,
      [id, JSON.stringify({ reference: earlierRef, from: 'restoration_pending', to: 'restored' })],
    );
    // The same description, spaced differently (no address given this time).
    const barred = await file(email, 'news-40', { description: ` ${HARBOUR.description}\n ` });
    expect(barred.status).toBe(201);
    expect((await row(barred.body.reference)).renotice_barred_by).toBe(id);
  });

  it('not barred: another work, another address, another basis, an earlier case that was not restored', async () => {
    const email = newEmail('other');
    const earlier = await file(email, 'news-35', HARBOUR);
    await restore(earlier.body.reference as string);
    const cases = [
      // Another work on the same article (another address and another description).
      await file(email, 'news-35', { description: '另一幅作品《夜色》', url: 'https://photos.example/chen/night' }),
      // The same work from another address.
      await file(newEmail('someone'), 'news-35', HARBOUR),
      // The same work under another basis (the bar is 条例 Art. 17's, for cn-copyright only).
      await file(email, 'news-35', HARBOUR, {
        legalBasis: 'eu-dsa',
        items: [{ articleUrl: urls.get('news-35')!.url, kind: 'article' }],
        declarations: { truthful: true, goodFaith: true },
      }),
      // The same work on another article.
      await file(email, 'news-39', HARBOUR, {
        items: [{ articleUrl: urls.get('news-39')!.url, kind: 'passage', detail: '第一段' }],
      }),
    ];
    for (const c of cases) {
      expect(c.status).toBe(201);
      expect((await row(c.body.reference)).renotice_barred_by).toBeNull();
    }
    // An earlier case only decided (actioned), never restored: no bar.
    const decidedEmail = newEmail('decided');
    const decided = await file(decidedEmail, 'news-35', HARBOUR);
    await db.query(`UPDATE complaint SET state = 'actioned', due_at = NULL WHERE reference = $1`, [
      decided.body.reference,
    ]);
    const later = await file(decidedEmail, 'news-35', HARBOUR);
    expect((await row(later.body.reference)).renotice_barred_by).toBeNull();
    // None of them got the bar's mail.
    await new Promise((r) => setTimeout(r, 500));
    for (const c of [...cases, later])
      expect(
        await db.query(
          `SELECT 1 FROM mail_job m JOIN complaint c ON c.id = m.complaint_id WHERE c.reference = $1 AND m.template = 'complaint-renotice-barred'`,
          [c.body.reference],
        ),
      ).toHaveLength(0);
  });
});
