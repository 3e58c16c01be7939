import { createHash, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from './helpers/app';

interface Staff {
  id: string;
  email: string;
  token: string;
}

/** A staff member with a personal API token (only its SHA-256 is stored, as the app does). */
async function staff(db: DataSource, role: 'moderator' | 'admin', name: string): Promise<Staff> {
  const token = `nd_${randomBytes(32).toString('base64url')}`;
  const email = `${name.toLowerCase().replace(/\W+/g, '-')}-${Date.now()}-${randomBytes(3).toString('hex')}@desk.example.test`;
  const [row] = await db.query<Array<{ id: string }>>(
    `INSERT INTO staff_user (email, display_name, role, status, api_token_hash) VALUES ($1, $2, $3, 'active', $4) RETURNING id`,
    [email, name, role, createHash('sha256').update(token).digest('hex')],
  );
  return { id: row.id, email, token };
}

describe('moderation transitions over HTTP (real PostgreSQL and SMTP)', () => {
  let t: TestApp;
  let db: DataSource;
  let mod1: Staff, mod2: Staff, admin1: Staff, admin2: Staff;
  let forum: { url: string; images: Array<{ id: string; url: string }> };
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
  const move = (who: Staff, ref: string, body: Record<string, unknown>) =>
    api(who, 'POST', `/api/v1/complaints/${ref}/transitions`, body);
  const view = async (who: Staff, ref: string) =>
    (await (await api(who, 'GET', `/api/v1/complaints/${ref}`)).json()) as {
      state: string;
      version: number;
      assignee: { id: string } | null;
      items: Array<{ remedy: string | null }>;
    };

  /** Files a complaint as a member of the public; returns its reference and tracking link. */
  async function file(
    over: Record<string, unknown> = {},
  ): Promise<{ reference: string; trackingUrl: string; email: string }> {
    const email = `c${n++}-${Date.now()}@example.test`;
    const res = await api(null, 'POST', '/api/v1/complaints', {
      legalBasis: 'eu-dsa',
      locale: 'en',
      complainant: { name: 'Pat Doe', email },
      items: [{ articleUrl: forum.url, kind: 'image', detail: forum.images[1].id }],
      explanation: 'My photograph is used without permission.',
      declarations: { truthful: true, goodFaith: true },
      ...over,
    });
    expect(res.status).toBe(201);
    return { ...((await res.json()) as { reference: string; trackingUrl: string }), email };
  }

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    [mod1, mod2, admin1, admin2] = await Promise.all([
      staff(db, 'moderator', 'Mod One'),
      staff(db, 'moderator', 'Mod Two'),
      staff(db, 'admin', 'Admin One'),
      staff(db, 'admin', 'Admin Two'),
    ]);
    const list = (await (await api(null, 'GET', '/api/v1/articles?limit=200')).json()) as {
      items: Array<{ slug: string; url: string; images: Array<{ id: string; url: string }> }>;
    };
    forum = list.items.find((a) => a.slug === 'shanghai-sister-cities-forum') as typeof forum;
  });

  afterAll(async () => {
    await t?.close();
  });

  it('claim assigns the case; release gives it back; a stale version is a 409 CONFLICT', async () => {
    const { reference } = await file();
    const claim = await move(mod1, reference, { to: 'in_review', version: 1 });
    expect(claim.status).toBe(200);
    expect(await claim.json()).toEqual({ state: 'in_review', version: 2 });
    expect((await view(mod1, reference)).assignee?.id).toBe(mod1.id);
    const stale = await move(mod1, reference, { to: 'received', version: 1 });
    expect(stale.status).toBe(409);
    expect(await stale.json()).toMatchObject({ code: 'CONFLICT' });
    const notMine = await move(mod2, reference, { to: 'received', version: 2 });
    expect(notMine.status).toBe(403);
    const release = await move(mod1, reference, { to: 'received', version: 2 });
    expect(await release.json()).toEqual({ state: 'received', version: 3 });
    expect((await view(mod1, reference)).assignee).toBeNull();
  });

  it('refuses an illegal transition with 409 ILLEGAL_TRANSITION and leaves no trace', async () => {
    const { reference } = await file();
    const before = await db.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM audit_event WHERE action = 'complaint.transition'`,
    );
    const res = await move(mod1, reference, { to: 'restored', version: 1 });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ code: 'ILLEGAL_TRANSITION' });
    const after = await db.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM audit_event WHERE action = 'complaint.transition'`,
    );
    expect(after[0].n).toBe(before[0].n);
    expect((await view(mod1, reference)).version).toBe(1);
  });

  it('two moderators claiming at the same moment: exactly one wins, the other gets 409, one audit event', async () => {
    const { reference } = await file();
    const results = await Promise.all([
      move(mod1, reference, { to: 'in_review', version: 1 }),
      move(mod2, reference, { to: 'in_review', version: 1 }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const events = await db.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM audit_event e JOIN complaint c ON c.id::text = e.subject_id WHERE c.reference = $1 AND e.action = 'complaint.transition'`,
      [reference],
    );
    expect(events[0].n).toBe(1);
  });

  it('two decisions on one case at the same moment: one wins, one 409, one audit event, one mail', async () => {
    const { reference, email } = await file();
    await move(mod1, reference, { to: 'in_review', version: 1 });
    const results = await Promise.all([
      move(mod1, reference, { to: 'rejected', version: 2, reason: 'Not a rights issue.' }),
      move(mod1, reference, { to: 'needs_info', version: 2, missing: ['Proof of authorship'] }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const events = await db.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM audit_event e JOIN complaint c ON c.id::text = e.subject_id WHERE c.reference = $1 AND e.action = 'complaint.transition'`,
      [reference],
    );
    expect(events[0].n).toBe(2);
    const jobs = await db.query<Array<{ template: string }>>(
      `SELECT template FROM mail_job m JOIN complaint c ON c.id = m.complaint_id WHERE c.reference = $1 AND template IN ('complaint-rejected', 'complaint-needs-info')`,
      [reference],
    );
    expect(jobs).toHaveLength(1);
    await t.sink.waitFor((m) => m.subject?.includes(reference) === true && t.sink.to(email).length >= 2);
  });

  it('request information: mail to the complainant, who answers on the tracking link, back to the same moderator who is told', async () => {
    const { reference, trackingUrl, email } = await file({ locale: 'zh-CN' });
    await move(mod1, reference, { to: 'in_review', version: 1 });
    const noMissing = await move(mod1, reference, { to: 'needs_info', version: 2 });
    expect(noMissing.status).toBe(422);
    expect(((await noMissing.json()) as { details: Array<{ field: string }> }).details[0].field).toBe('missing');
    const ask = await move(mod1, reference, {
      to: 'needs_info',
      version: 2,
      missing: ['原始照片文件', '拍摄时间与地点'],
      message: '请补充原始文件。',
    });
    expect(await ask.json()).toEqual({ state: 'needs_info', version: 3 });
    const mail = await t.sink.waitFor(
      (m) =>
        m.subject?.includes(reference) === true &&
        t.sink.to(email).includes(m) &&
        (m.text ?? '').includes('原始照片文件'),
    );
    expect(mail.subject).toMatch(/[\u4e00-\u9fff]/);
    // The mail carries a link of its own, minted at send time; it opens the same case.
    const link = new RegExp(`${t.baseUrl}/track/([A-Za-z0-9_-]{43})`).exec(mail.text ?? '');
    expect(link).not.toBeNull();
    expect(link?.[0]).not.toBe(trackingUrl);

    const token = link?.[1] as string;
    const view1 = (await (await api(null, 'GET', `/api/v1/track/${token}`)).json()) as {
      state: string;
      infoRequest: { missing: string[] };
    };
    expect(view1).toMatchObject({ state: 'needs_info', infoRequest: { missing: ['原始照片文件', '拍摄时间与地点'] } });
    const empty = await api(null, 'POST', `/api/v1/track/${token}/answer`, { answer: '  ' });
    expect(empty.status).toBe(422);
    const answered = await api(null, 'POST', `/api/v1/track/${token}/answer`, {
      answer: '原始文件已上传，拍摄于 2024 年 9 月。',
    });
    expect(answered.status).toBe(200);
    expect(await answered.json()).toEqual({ reference, state: 'in_review' });
    const after = await view(mod1, reference);
    expect(after).toMatchObject({ state: 'in_review', version: 4 });
    expect(after.assignee?.id).toBe(mod1.id);
    await t.sink.waitFor((m) => m.subject?.includes(reference) === true && t.sink.to(mod1.email).includes(m));
    const again = await api(null, 'POST', `/api/v1/track/${token}/answer`, { answer: 'twice' });
    expect(again.status).toBe(409);
  });

  it('reject needs reasons; the complainant hears them and how to appeal', async () => {
    const { reference, email } = await file();
    await move(mod1, reference, { to: 'in_review', version: 1 });
    const bare = await move(mod1, reference, { to: 'rejected', version: 2 });
    expect(bare.status).toBe(422);
    const ok = await move(mod1, reference, {
      to: 'rejected',
      version: 2,
      reason: 'The image is a press photo licensed to us.',
    });
    expect(await ok.json()).toEqual({ state: 'rejected', version: 3 });
    const mail = await t.sink.waitFor(
      (m) =>
        m.subject?.includes(reference) === true &&
        t.sink.to(email).includes(m) &&
        (m.text ?? '').includes('licensed to us'),
    );
    expect(mail.subject).not.toMatch(/[\u4e00-\u9fff]/);
  });

  it('uphold with remove_image: the image disappears from the public site, the complainant and the content owner are told', async () => {
    const { reference, email } = await file();
    await move(mod1, reference, { to: 'in_review', version: 1 });
    const noRemedy = await move(mod1, reference, { to: 'actioned', version: 2, reason: 'Upheld.' });
    expect(noRemedy.status).toBe(422);
    const ok = await move(mod1, reference, {
      to: 'actioned',
      version: 2,
      reason: 'The photograph is the complainant’s.',
      remedies: [{ item: 0, remedy: 'remove_image' }],
    });
    expect(await ok.json()).toEqual({ state: 'actioned', version: 3 });
    expect((await view(mod1, reference)).items[0].remedy).toBe('remove_image');
    const img = await fetch(`${t.baseUrl}${forum.images[1].url}`);
    expect([404, 451]).toContain(img.status);
    const [status] = await db.query<Array<{ status: string }>>(`SELECT status FROM article_image WHERE id = $1`, [
      forum.images[1].id,
    ]);
    expect(status.status).toBe('removed');
    await t.sink.waitFor(
      (m) =>
        m.subject?.includes(reference) === true &&
        t.sink.to(email).includes(m) &&
        (m.text ?? '').includes('complainant’s'),
    );
    const owner = await t.sink.waitFor(
      (m) => m.subject?.includes(reference) === true && t.sink.to('newsroom@demo-news.example').includes(m),
    );
    expect(owner.text).toMatch(/\/respond\/[A-Za-z0-9_-]{43}/);
    expect(owner.text).not.toContain(email);
  });

  it('a whole-article removal needs a second person: a moderator escalates, another admin approves, the page answers 451', async () => {
    const { reference } = await file({
      items: [{ articleUrl: forum.url.replace('shanghai-sister-cities-forum', 'news-12'), kind: 'article' }],
    });
    await move(mod1, reference, { to: 'in_review', version: 1 });
    const alone = await move(mod1, reference, {
      to: 'actioned',
      version: 2,
      reason: 'x',
      remedies: [{ item: 0, remedy: 'remove_article' }],
    });
    expect(alone.status).toBe(403);
    const esc = await move(mod1, reference, {
      to: 'escalated',
      version: 2,
      reason: 'Defamatory throughout; propose removal.',
      remedies: [{ item: 0, remedy: 'remove_article' }],
    });
    expect(await esc.json()).toEqual({ state: 'escalated', version: 3 });
    expect((await move(mod2, reference, { to: 'actioned', version: 3 })).status).toBe(403);
    const approve = await move(admin1, reference, { to: 'actioned', version: 3 });
    expect(await approve.json()).toEqual({ state: 'actioned', version: 4 });
    const page = await fetch(`${t.baseUrl}/articles/news-12`);
    expect(page.status).toBe(451);
    expect(await page.text()).toContain(reference);
  });

  it('an admin sends an escalation back with reasons; the moderator then decides a lesser remedy alone', async () => {
    const { reference } = await file();
    await move(mod2, reference, { to: 'in_review', version: 1 });
    await move(mod2, reference, {
      to: 'escalated',
      version: 2,
      reason: 'Propose removal of the article.',
      remedies: [{ item: 0, remedy: 'remove_image' }],
    });
    expect((await move(admin2, reference, { to: 'in_review', version: 3 })).status).toBe(422);
    const back = await move(admin2, reference, {
      to: 'in_review',
      version: 3,
      reason: 'Removing the image is enough; decide it yourself.',
    });
    expect(await back.json()).toEqual({ state: 'in_review', version: 4 });
    const decide = await move(mod2, reference, {
      to: 'actioned',
      version: 4,
      reason: 'Image removed.',
      remedies: [{ item: 0, remedy: 'add_correction', text: 'An image was removed following a complaint.' }],
    });
    expect(await decide.json()).toEqual({ state: 'actioned', version: 5 });
    const [corr] = await db.query<Array<{ body: string }>>(
      `SELECT k.body FROM article_correction k JOIN complaint c ON c.id = k.complaint_id WHERE c.reference = $1`,
      [reference],
    );
    expect(corr.body).toBe('An image was removed following a complaint.');
  });

  it('refuses staff routes to callers without a role', async () => {
    const { reference } = await file();
    expect((await api(null, 'GET', `/api/v1/complaints/${reference}`)).status).toBe(401);
    expect(
      (await api(null, 'POST', `/api/v1/complaints/${reference}/transitions`, { to: 'in_review', version: 1 })).status,
    ).toBe(401);
    expect((await api({ ...admin1, token: 'nd_wrong' }, 'GET', `/api/v1/complaints/${reference}`)).status).toBe(401);
  });
});
