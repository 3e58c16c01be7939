import { DataSource } from 'typeorm';
import { DecisionWithoutReasonsError, MailOutbox } from '../src/mail/mail-outbox';
import { startTestApp, TestApp } from './helpers/app';
import { apiToken, createStaff, signIn, tokenStaff } from './helpers/staff';
import type { TokenStaff } from './helpers/staff';

type Staff = TokenStaff;

/** A staff member with a personal API token. */
const staff = tokenStaff;

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

  const article = (n: number) => ({
    articleUrl: forum.url.replace('shanghai-sister-cities-forum', `news-${String(n).padStart(2, '0')}`),
    kind: 'article',
  });
  const idOf = async (ref: string) =>
    (await db.query<Array<{ id: string }>>(`SELECT id FROM complaint WHERE reference = $1`, [ref]))[0].id;
  const jobs = (ref: string) =>
    db.query<Array<{ template: string; to_address: string; payload: Record<string, unknown> }>>(
      `SELECT m.template, m.to_address, m.payload FROM mail_job m JOIN complaint c ON c.id = m.complaint_id
        WHERE c.reference = $1 ORDER BY m.created_at, m.id`,
      [ref],
    );

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

  describe('duplicates: staff name the earlier case; not_processed follows the misuse procedure', () => {
    it('marking a duplicate needs the same complainant’s earlier undecided case, records the link and tells them', async () => {
      const { reference: earlier, email } = await file({ items: [article(20)] });
      const { reference, trackingUrl } = await file({ complainant: { name: 'Pat Doe', email }, items: [article(21)] });
      const { reference: someoneElses } = await file({ items: [article(22)] });
      const { reference: decided } = await file({ complainant: { name: 'Pat Doe', email }, items: [article(23)] });
      await move(mod1, decided, { to: 'in_review', version: 1 });
      await move(mod1, decided, { to: 'rejected', version: 2, reason: 'Fair reporting.' });
      expect((await view(mod1, reference)).state).toBe('received');

      const refused = async (body: Record<string, unknown>, rule: string) => {
        const res = await move(mod1, reference, { to: 'duplicate', version: 1, ...body });
        expect(res.status).toBe(422);
        const err = (await res.json()) as { code: string; details: Array<{ field: string; rule: string }> };
        expect(err).toMatchObject({ code: 'VALIDATION', details: [{ field: 'duplicateOf', rule }] });
      };
      await refused({}, 'required');
      await refused({ duplicateOf: 'ND-1999-999999' }, 'unknownCase');
      await refused({ duplicateOf: reference }, 'self');
      await refused({ duplicateOf: someoneElses }, 'otherComplainant');
      await refused({ duplicateOf: decided }, 'decided');
      expect(await jobs(reference)).toHaveLength(2); // receipt and desk notice only

      const ok = await move(mod1, reference, { to: 'duplicate', version: 1, duplicateOf: earlier.toLowerCase() });
      expect(await ok.json()).toEqual({ state: 'duplicate', version: 2 });
      const [row] = await db.query<Array<{ duplicate_of: string }>>(
        `SELECT duplicate_of FROM complaint WHERE reference = $1`,
        [reference],
      );
      expect(row.duplicate_of).toBe(await idOf(earlier));
      expect(((await view(mod1, reference)) as unknown as { duplicateOf: string }).duplicateOf).toBe(earlier);
      const [event] = await db.query<Array<{ actor_id: string; payload: Record<string, unknown> }>>(
        `SELECT actor_id, payload FROM audit_event WHERE subject_id = $1 AND action = 'complaint.transition'`,
        [await idOf(reference)],
      );
      expect(event).toMatchObject({
        actor_id: mod1.id,
        payload: { from: 'received', to: 'duplicate', duplicateOf: earlier },
      });
      const mail = await t.sink.waitFor(
        (m) =>
          m.subject?.includes(reference) === true && t.sink.to(email).includes(m) && (m.text ?? '').includes(earlier),
      );
      expect(mail.subject).toContain(earlier);
      expect(mail.text).toContain('reply to this message');

      // Whoever holds the filing's tracking link learns nothing of the earlier case, even once the
      // mail naming it is recorded as sent.
      for (let i = 0; ; i++) {
        const [job] = await db.query<Array<{ state: string }>>(
          `SELECT m.state FROM mail_job m JOIN complaint c ON c.id = m.complaint_id
            WHERE c.reference = $1 AND m.template = 'complaint-duplicate'`,
          [reference],
        );
        const [sent] = await db.query<Array<{ n: number }>>(
          `SELECT count(*)::int AS n FROM audit_event e JOIN complaint c ON c.id::text = e.subject_id
            WHERE c.reference = $1 AND e.action = 'mail.sent' AND e.payload->>'template' = 'complaint-duplicate'`,
          [reference],
        );
        if (job?.state === 'sent' && sent.n === 1) break;
        if (i > 100) throw new Error('the duplicate mail was never recorded as sent');
        await new Promise((r) => setTimeout(r, 100));
      }
      const token = trackingUrl.split('/track/')[1];
      const tracked = await fetch(`${t.baseUrl}/api/v1/track/${token}`);
      expect(tracked.status).toBe(200);
      const body = await tracked.text();
      expect(JSON.parse(body)).toMatchObject({ reference, state: 'received' });
      expect(body).not.toContain(earlier);
      expect(body.toLowerCase()).not.toContain('duplicate');
    });

    it('two cases marked as each other’s duplicate at the same moment: one wins, the other is refused, no deadlock', async () => {
      const { reference: a, email } = await file({ items: [article(31)] });
      const { reference: b } = await file({ complainant: { name: 'Pat Doe', email }, items: [article(32)] });
      const results = await Promise.all([
        move(mod1, a, { to: 'duplicate', version: 1, duplicateOf: b }),
        move(mod2, b, { to: 'duplicate', version: 1, duplicateOf: a }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 422]);
      const loser = (await results.find((r) => r.status === 422)?.json()) as { details: Array<{ rule: string }> };
      expect(loser.details[0].rule).toBe('decided');
      const states = [(await view(mod1, a)).state, (await view(mod1, b)).state].sort();
      expect(states).toEqual(['duplicate', 'received']);
    });

    it('not_processed is the misuse procedure: an admin, with reasons, only after a warning that preceded the notice; both mailed', async () => {
      const { reference: first, email } = await file({ items: [article(24)] });
      // Without a prior warning nobody may take the step; moderators never may.
      const early = await move(admin1, first, { to: 'not_processed', version: 1, reason: 'Manifestly unfounded.' });
      expect(early.status).toBe(403);
      expect(((await early.json()) as { code: string }).code).toBe('NO_PRIOR_WARNING');
      const offered = (await view(admin1, first)) as unknown as { actions: Array<{ kind: string }> };
      expect(offered.actions.map((a) => a.kind)).not.toContain('not_process');

      // Only an admin warns, with reasons; the address is mailed the warning.
      expect((await api(mod1, 'POST', `/api/v1/complaints/${first}/warnings`, { reason: 'x' })).status).toBe(403);
      expect((await api(admin1, 'POST', `/api/v1/complaints/${first}/warnings`, { reason: ' ' })).status).toBe(422);
      const warned = await api(admin1, 'POST', `/api/v1/complaints/${first}/warnings`, {
        reason: 'Three notices about articles that quote you accurately.',
      });
      expect(warned.status).toBe(201);
      // Sent again (a double click, a retry), and twice at once: the standing warning, no new row or mail.
      const again = await Promise.all(
        [1, 2].map(() => api(admin1, 'POST', `/api/v1/complaints/${first}/warnings`, { reason: 'Once more.' })),
      );
      expect(again.map((r) => r.status)).toEqual([200, 200]);
      const firstId = ((await warned.json()) as { id: string }).id;
      for (const r of again) expect(((await r.json()) as { id: string }).id).toBe(firstId);
      const warning = await t.sink.waitFor(
        (m) => m.subject?.includes(first) === true && /warning/.test(m.subject ?? '') && t.sink.to(email).includes(m),
      );
      expect(warning.text).toContain('Three notices about articles that quote you accurately.');
      expect(warning.text).toContain('Art. 23');
      const listed = (await (await api(mod1, 'GET', `/api/v1/complaints/${first}/warnings`)).json()) as Array<{
        reference: string;
      }>;
      expect(listed.map((w) => w.reference)).toEqual([first]);
      const warningMails = await db.query<Array<{ n: string }>>(
        `SELECT count(*) AS n FROM mail_job WHERE template = 'complainant-warning' AND complaint_id = (SELECT id FROM complaint WHERE reference = $1)`,
        [first],
      );
      expect(warningMails[0].n).toBe('1');

      // The case that prompted the warning was filed before it: still decided on its merits.
      const stillEarly = await move(admin1, first, { to: 'not_processed', version: 1, reason: 'Unfounded.' });
      expect(((await stillEarly.json()) as { code: string }).code).toBe('NO_PRIOR_WARNING');

      // A later notice from the same address may be not processed: by an admin, with reasons.
      const { reference: later } = await file({ complainant: { name: 'Pat Doe', email }, items: [article(25)] });
      expect((await move(mod1, later, { to: 'not_processed', version: 1, reason: 'x' })).status).toBe(403);
      const noReason = await move(admin1, later, { to: 'not_processed', version: 1 });
      expect(noReason.status).toBe(422);
      const done = await move(admin1, later, {
        to: 'not_processed',
        version: 1,
        reason: 'Again an accurate quotation claimed as defamatory.',
      });
      expect(done.status).toBe(200);
      expect(await view(admin1, later)).toMatchObject({ state: 'not_processed' });
      const mail = await t.sink.waitFor(
        (m) =>
          m.subject?.includes(later) === true &&
          t.sink.to(email).includes(m) &&
          /not be processed/.test(m.subject ?? ''),
      );
      expect(mail.text).toContain('Again an accurate quotation claimed as defamatory.');
      expect(mail.text).toContain('appeal');
      const [event] = await db.query<Array<{ payload: { warning?: { id: string } } }>>(
        `SELECT payload FROM audit_event WHERE action = 'complaint.transition' AND payload->>'reference' = $1 AND payload->>'to' = 'not_processed'`,
        [later],
      );
      expect(event.payload.warning?.id).toBeTruthy();

      // The appeal route: the complainant contests (by replying); only an admin who did not
      // take the decision reopens the notice, with reasons; it is then handled as any other.
      const decider = await move(admin1, later, { to: 'received', version: 2, reason: 'Reconsidered.' });
      expect(decider.status).toBe(403);
      expect(((await decider.json()) as { code: string }).code).toBe('APPEAL_DECIDER_CONFLICT');
      expect((await move(mod1, later, { to: 'received', version: 2, reason: 'x' })).status).toBe(403);
      const reopened = await move(admin2, later, {
        to: 'received',
        version: 2,
        reason: 'The article misquotes the complainant after all.',
      });
      expect(reopened.status).toBe(200);
      expect(await view(admin2, later)).toMatchObject({ state: 'received', version: 3 });
      const back = await t.sink.waitFor(
        (m) => m.subject?.includes(later) === true && /processed after all/.test(m.subject ?? ''),
      );
      expect(back.text).toContain('The article misquotes the complainant after all.');
      expect(t.sink.to(email)).toContain(back);
      const [row] = await db.query<Array<{ decided_by: string | null; decision_reason: string | null }>>(
        `SELECT decided_by, decision_reason FROM complaint WHERE reference = $1`,
        [later],
      );
      expect(row).toEqual({ decided_by: null, decision_reason: null });
    });
  });

  describe('an approver decides on what was proposed, with reasons, and is never the proposer', () => {
    it('approves as proposed or narrower; anything wider is 422 WIDER_THAN_PROPOSED and changes nothing', async () => {
      const { reference } = await file({
        items: [article(25), { articleUrl: forum.url, kind: 'image', detail: forum.images[0].id }],
      });
      await move(mod1, reference, { to: 'in_review', version: 1 });
      await move(mod1, reference, {
        to: 'escalated',
        version: 2,
        reason: 'The headline is wrong and the photograph is the complainant’s.',
        remedies: [
          { item: 0, remedy: 'add_correction', text: 'An earlier version misstated the vote.' },
          { item: 1, remedy: 'remove_image' },
        ],
      });
      const wider = async (remedies: Array<{ item: number; remedy: string }>, item: number) => {
        const res = await move(admin1, reference, { to: 'actioned', version: 3, remedies });
        expect(res.status).toBe(422);
        const err = (await res.json()) as { code: string; message: string; details: Array<{ field: string }> };
        expect(err.code).toBe('WIDER_THAN_PROPOSED');
        expect(err.message).toContain('send the case back');
        expect(err.details.map((d) => d.field)).toEqual([`remedies.${item}`]);
      };
      await wider(
        [
          { item: 0, remedy: 'remove_article' },
          { item: 1, remedy: 'remove_image' },
        ],
        0,
      );
      await wider(
        [
          { item: 0, remedy: 'add_attribution' },
          { item: 1, remedy: 'remove_image' },
        ],
        0,
      );
      await wider(
        [
          { item: 0, remedy: 'add_correction' },
          { item: 1, remedy: 'remove_article' },
        ],
        1,
      );
      expect((await view(admin1, reference)).state).toBe('escalated');
      expect((await fetch(`${t.baseUrl}/articles/news-25`)).status).toBe(200); // no other spec touches news-2x

      const ok = await move(admin1, reference, {
        to: 'actioned',
        version: 3,
        remedies: [
          { item: 0, remedy: 'add_correction' },
          { item: 1, remedy: 'no_action' },
        ],
      });
      expect(await ok.json()).toEqual({ state: 'actioned', version: 4 });
      expect((await view(admin1, reference)).items.map((i) => i.remedy)).toEqual(['add_correction', 'no_action']);
      // (Other specs of the run share the demo catalogue: ask whether *this* case removed anything.)
      const [removed] = await db.query<Array<{ n: number }>>(
        `SELECT (SELECT count(*) FROM article_image WHERE removed_by = $1) + (SELECT count(*) FROM article WHERE removed_by = $1) AS n`,
        [await idOf(reference)],
      );
      expect(Number(removed.n)).toBe(0);
      const [corr] = await db.query<Array<{ body: string }>>(
        `SELECT k.body FROM article_correction k JOIN complaint c ON c.id = k.complaint_id WHERE c.reference = $1`,
        [reference],
      );
      expect(corr.body).toBe('An earlier version misstated the vote.');
    });

    it('approving without new reasons sends the proposer’s reasons to both parties; new ones replace them', async () => {
      const proposer = 'The article states as fact an accusation the court dismissed.';
      const { reference, email } = await file({ items: [article(26)] });
      await move(mod2, reference, { to: 'in_review', version: 1 });
      await move(mod2, reference, {
        to: 'escalated',
        version: 2,
        reason: proposer,
        remedies: [{ item: 0, remedy: 'remove_article' }],
      });
      expect(await (await move(admin2, reference, { to: 'actioned', version: 3 })).json()).toEqual({
        state: 'actioned',
        version: 4,
      });
      const decision = (await jobs(reference)).filter((j) =>
        ['complaint-actioned', 'owner-notice'].includes(j.template),
      );
      expect(decision.map((j) => j.template).sort()).toEqual(['complaint-actioned', 'owner-notice']);
      for (const j of decision) expect(j.payload.reason).toBe(proposer);
      const [row] = await db.query<Array<{ decision_reason: string; decided_by: string }>>(
        `SELECT decision_reason, decided_by FROM complaint WHERE reference = $1`,
        [reference],
      );
      expect(row).toEqual({ decision_reason: proposer, decided_by: admin2.id });
      const [event] = await db.query<Array<{ payload: Record<string, unknown> }>>(
        `SELECT payload FROM audit_event WHERE subject_id = $1 AND action = 'complaint.transition' ORDER BY id DESC LIMIT 1`,
        [await idOf(reference)],
      );
      expect(event.payload).toMatchObject({ to: 'actioned', reason: proposer, reasonsFrom: 'proposer' });
      const complainantMail = await t.sink.waitFor(
        (m) =>
          m.subject?.includes(reference) === true && t.sink.to(email).includes(m) && (m.text ?? '').includes(proposer),
      );
      expect(complainantMail.text).toContain(proposer);
      await t.sink.waitFor(
        (m) =>
          m.subject?.includes(reference) === true &&
          t.sink.to('reporters@demo-news.example').includes(m) && // news-26's owner
          (m.text ?? '').includes(proposer),
      );

      const { reference: second } = await file({ items: [article(27)] });
      await move(mod2, second, { to: 'in_review', version: 1 });
      await move(mod2, second, {
        to: 'escalated',
        version: 2,
        reason: proposer,
        remedies: [{ item: 0, remedy: 'remove_article' }],
      });
      await move(admin2, second, { to: 'actioned', version: 3, reason: 'Removed: the court record contradicts it.' });
      const own = (await jobs(second)).filter((j) => j.template === 'complaint-actioned');
      expect(own[0].payload.reason).toBe('Removed: the court record contradicts it.');
    });

    it('a decision mail without reasons is refused inside the transaction, so nothing it belonged to commits', async () => {
      const { reference } = await file({ items: [article(28)] });
      const outbox = t.app.get(MailOutbox);
      const before = await jobs(reference);
      await expect(
        db.transaction(async (tx) => {
          await tx.query(`UPDATE complaint SET state = 'actioned', version = version + 1 WHERE reference = $1`, [
            reference,
          ]);
          await outbox.enqueue(tx, {
            template: 'complaint-actioned',
            locale: 'en',
            to: 'someone@example.test',
            payload: { reference, reason: '  ' },
            complaintId: await idOf(reference),
          });
        }),
      ).rejects.toBeInstanceOf(DecisionWithoutReasonsError);
      expect(await view(mod1, reference)).toMatchObject({ state: 'received', version: 1 });
      expect(await jobs(reference)).toEqual(before);
    });

    it('the proposer never approves their own escalation: by staff id, signed in or with an API token, even after promotion', async () => {
      const proposer = await createStaff(db, { role: 'admin', displayName: 'Admin Proposer' });
      const token = await apiToken(db, proposer.email);
      const self: Staff = { id: proposer.id, email: proposer.email, token };
      const { reference } = await file({ items: [article(29)] });
      await move(self, reference, { to: 'in_review', version: 1 });
      await move(self, reference, {
        to: 'escalated',
        version: 2,
        reason: 'Propose removal.',
        remedies: [{ item: 0, remedy: 'remove_article' }],
      });
      for (const body of [
        { to: 'actioned' },
        { to: 'actioned', reason: 'Agreed with myself.' },
        { to: 'rejected', reason: 'Changed my mind.' },
        { to: 'in_review', reason: 'Back to me.' },
      ]) {
        const res = await move(self, reference, { ...body, version: 3 });
        expect(res.status).toBe(403);
        expect(await res.json()).toMatchObject({ code: 'SECOND_PERSON_REQUIRED' });
      }
      // The same person through the case page with a session: refused the same way.
      const session = await signIn(t.baseUrl, proposer.email, proposer.password);
      const page = await fetch(`${t.baseUrl}/staff/complaints/${reference}/transitions`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          cookie: session.cookie,
          'x-csrf-token': session.csrfToken,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ _csrf: session.csrfToken, to: 'actioned', kind: 'approve', version: '3' }),
      });
      expect(page.status).toBe(403);
      expect(await view(admin1, reference)).toMatchObject({ state: 'escalated', version: 3 });
      const ownView = (await view(self, reference)) as unknown as { actions: unknown[] };
      expect(ownView.actions).toEqual([]);

      // A moderator who escalated and is later made an admin is still the proposer.
      const mod = await createStaff(db, { role: 'moderator', displayName: 'Mod Later Admin' });
      const modSelf: Staff = { id: mod.id, email: mod.email, token: await apiToken(db, mod.email) };
      const { reference: other } = await file({ items: [article(30)] });
      await move(modSelf, other, { to: 'in_review', version: 1 });
      await move(modSelf, other, {
        to: 'escalated',
        version: 2,
        reason: 'Propose removal.',
        remedies: [{ item: 0, remedy: 'remove_article' }],
      });
      await db.query(`UPDATE staff_user SET role = 'admin' WHERE id = $1`, [mod.id]);
      const promoted = await move(modSelf, other, { to: 'actioned', version: 3 });
      expect(promoted.status).toBe(403);
      expect(await promoted.json()).toMatchObject({ code: 'SECOND_PERSON_REQUIRED' });
      expect((await move(admin1, other, { to: 'actioned', version: 3 })).status).toBe(200);
    });
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
