import { DataSource } from 'typeorm';
import type { ParsedMail } from 'mailparser';
import { Clock } from '../src/common/clock';
import { TimerWorker } from '../src/complaints/timer-worker';
import { MailWorker } from '../src/mail/mail-worker';
import { startTestApp, TestApp } from './helpers/app';
import { fileComplaint, filerEmail } from './helpers/filing';
import { createStaff, signIn, tokenStaff } from './helpers/staff';
import type { StaffSession, TokenStaff } from './helpers/staff';

/**
 * Staff send a case's message to a party again (a complainant who lost the receipt, an owner whose
 * notice failed): a new job with a new Message-ID and, where the message has a private link, a new
 * link; the earlier one keeps working. Never staff mail, another case's mail, or a second copy
 * while one still waits. A closed case's too (a party gets their link back to its status). The
 * copy and its audit event are one transaction: a fault in either leaves neither and sends nothing.
 */
describe('sending a case message again (API and page, real PostgreSQL and SMTP)', () => {
  let t: TestApp;
  let db: DataSource;
  let moderator: TokenStaff;
  let articleUrl: string;

  const text = (m: ParsedMail) => `${m.text ?? ''}`;
  const trackingLink = (m: ParsedMail) => /https?:\/\/\S+\/track\/[A-Za-z0-9_-]+/.exec(text(m))?.[0];
  const resend = (
    reference: string,
    jobId: string,
    auth: Record<string, string> = { authorization: `Bearer ${moderator.token}` },
  ) => fetch(`${t.baseUrl}/api/v1/complaints/${reference}/mail/${jobId}/resend`, { method: 'POST', headers: auth });
  const jobs = (reference: string) =>
    db.query<
      Array<{ id: string; template: string; state: string; message_id: string; payload: Record<string, unknown> }>
    >(
      `SELECT j.id, j.template, j.state, j.message_id, j.payload FROM mail_job j JOIN complaint c ON c.id = j.complaint_id
        WHERE c.reference = $1 ORDER BY j.created_at, j.id`,
      [reference],
    );
  const sent = async (reference: string, template: string) => {
    for (let i = 0; i < 100; i++) {
      const job = (await jobs(reference)).find((j) => j.template === template && j.state === 'sent');
      if (job) return job;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${template} of ${reference} was not sent`);
  };
  const caseRow = async (reference: string) =>
    (
      await db.query<Array<{ id: string; state: string; version: number }>>(
        `SELECT id, state, version FROM complaint WHERE reference = $1`,
        [reference],
      )
    )[0];
  const resentEvents = (reference: string) =>
    db.query<Array<{ actor_id: string; payload: Record<string, unknown> }>>(
      `SELECT e.actor_id, e.payload FROM audit_event e JOIN complaint c ON e.subject_id = c.id::text
        WHERE c.reference = $1 AND e.action = 'mail.resent' ORDER BY e.id`,
      [reference],
    );
  /** A staff step over the API at the case's current version. */
  const move = async (reference: string, body: Record<string, unknown>) => {
    const res = await fetch(`${t.baseUrl}/api/v1/complaints/${reference}/transitions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${moderator.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ version: (await caseRow(reference)).version, ...body }),
    });
    if (res.status !== 200) throw new Error(`${res.status} ${await res.text()}`);
  };

  /** A complaint filed by a new complainant, once its receipt has reached them: the job and the mail. */
  const filedAndReceived = async (tag: string, name: string) => {
    const email = filerEmail(tag);
    const { reference } = await fileComplaint(t.baseUrl, {
      complainant: { name, email },
      items: [{ articleUrl, kind: 'article' }],
    });
    const receipt = await sent(reference, 'complaint-receipt');
    const first = await t.sink.waitFor((m) => m.messageId === receipt.message_id);
    return { email, reference, receipt, first };
  };

  beforeAll(async () => {
    t = await startTestApp({ TIMER_WORKER: 'false' });
    db = t.app.get(DataSource);
    moderator = await tokenStaff(db, 'moderator', 'Resend Moderator');
    const list = (await (await fetch(`${t.baseUrl}/api/v1/articles?limit=1`)).json()) as {
      items: Array<{ url: string }>;
    };
    articleUrl = list.items[0].url;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('queues the receipt again with a new Message-ID and a new tracking link; both links open the case', async () => {
    const { email, reference, receipt, first } = await filedAndReceived('resend', 'Resend Filer');

    const res = await resend(reference, receipt.id);
    expect(res.status).toBe(201);
    const { jobId } = (await res.json()) as { jobId: string };
    const again = (await jobs(reference)).find((j) => j.id === jobId)!;
    expect(again).toMatchObject({ template: 'complaint-receipt' });
    expect(again.payload).toMatchObject({ resendOf: receipt.id, trackingUrl: null });
    const second = await t.sink.waitFor((m) => m.messageId === again.message_id);
    expect(second.messageId).not.toBe(first.messageId);
    expect(second.subject).toBe(first.subject);
    expect(second.to && 'text' in second.to ? second.to.text : '').toContain(email);

    const [link1, link2] = [trackingLink(first), trackingLink(second)];
    expect(link1).toBeDefined();
    expect(link2).toBeDefined();
    expect(link2).not.toBe(link1);
    for (const link of [link1!, link2!]) {
      const page = await fetch(link);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain(reference);
    }
    const [event] = await db.query<Array<{ actor_id: string; payload: Record<string, unknown> }>>(
      `SELECT e.actor_id, e.payload FROM audit_event e JOIN complaint c ON e.subject_id = c.id::text
        WHERE c.reference = $1 AND e.action = 'mail.resent'`,
      [reference],
    );
    expect(event).toMatchObject({
      actor_id: moderator.id,
      payload: { reference, template: 'complaint-receipt', resendOf: receipt.id, jobId },
    });
  });

  it('refuses a second copy while one waits, staff mail, another case’s mail, and the public', async () => {
    const { reference } = await fileComplaint(t.baseUrl, { items: [{ articleUrl, kind: 'article' }] });
    const receipt = await sent(reference, 'complaint-receipt');
    const { reference: other } = await fileComplaint(t.baseUrl, { items: [{ articleUrl, kind: 'article' }] });

    // Two at once: the case row lock lets one through; the other sees its copy waiting (or sent) and refuses.
    await db.query(`UPDATE mail_job SET next_attempt_at = 'infinity' WHERE state = 'pending'`); // hold the worker off new copies
    const both = await Promise.all([resend(reference, receipt.id), resend(reference, receipt.id)]);
    expect(both.map((r) => r.status).sort()).toEqual([201, 409]);

    // A message to someone who is not a party of the case (staff mail filed on it, say).
    const [c] = await db.query<Array<{ id: string }>>(`SELECT id FROM complaint WHERE reference = $1`, [reference]);
    const [staffMail] = await db.query<Array<{ id: string }>>(
      `INSERT INTO mail_job (template, locale, to_address, message_id, payload, complaint_id, state, sent_at)
       VALUES ('deadline-breached', 'en', 'admin@desk.example.test', '<staff-' || gen_random_uuid() || '@desk.example.test>', '{}', $1, 'sent', now())
       RETURNING id`,
      [c.id],
    );
    const refused = await resend(reference, staffMail.id);
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ code: 'CONFLICT' });
    expect((await resend(other, receipt.id)).status).toBe(404);
    expect((await resend(reference, 'not-a-uuid')).status).toBe(404);
    expect((await resend(reference, receipt.id, {})).status).toBe(401);
  });

  it('queues at most three copies of one message, counting copies of copies', async () => {
    const { reference } = await fileComplaint(t.baseUrl, { items: [{ articleUrl, kind: 'article' }] });
    const receipt = await sent(reference, 'complaint-receipt');
    let last = receipt.id;
    for (let n = 1; n <= 3; n++) {
      // Each from the copy before it: all of them name the first receipt.
      const res = await resend(reference, last);
      expect([n, res.status]).toEqual([n, 201]);
      last = ((await res.json()) as { jobId: string }).jobId;
      for (let i = 0; i < 100 && (await jobs(reference)).find((j) => j.id === last)?.state !== 'sent'; i++)
        await new Promise((r) => setTimeout(r, 100));
    }
    const copies = (await jobs(reference)).filter((j) => j.payload.resendOf === receipt.id);
    expect(copies).toHaveLength(3);
    expect((await resend(reference, receipt.id)).status).toBe(409);
    expect((await resend(reference, last)).status).toBe(409);
  });

  it('offers "Send again" on the case page for a party’s message and queues it from the form', async () => {
    const { reference } = await fileComplaint(t.baseUrl, { items: [{ articleUrl, kind: 'article' }] });
    const receipt = await sent(reference, 'complaint-receipt');
    const staff = await createStaff(db, { role: 'moderator' });
    const session: StaffSession = await signIn(t.baseUrl, staff.email, staff.password);
    const page = await (
      await fetch(`${t.baseUrl}/staff/complaints/${reference}?lang=en`, { headers: { cookie: session.cookie } })
    ).text();
    expect(page).toContain(`/staff/complaints/${reference}/mail/${receipt.id}/resend`);
    const post = await fetch(`${t.baseUrl}/staff/complaints/${reference}/mail/${receipt.id}/resend`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: session.csrfToken }),
    });
    expect(post.status).toBe(303);
    expect(post.headers.get('location')).toBe(`/staff/complaints/${reference}?done=resend#sec-mail`);
    expect((await jobs(reference)).filter((j) => j.payload.resendOf === receipt.id)).toHaveLength(1);
    // Without the CSRF token nothing is queued.
    const forged = await fetch(`${t.baseUrl}/staff/complaints/${reference}/mail/${receipt.id}/resend`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(forged.status).toBe(403);
    expect((await jobs(reference)).filter((j) => j.payload.resendOf === receipt.id)).toHaveLength(1);
  });

  it('sends a closed case’s receipt again: the complainant gets a link back to its status, the case is untouched', async () => {
    const { email, reference, receipt, first } = await filedAndReceived('closed', 'Closed Filer');
    // Decided (rejected), then nobody appealed: the appeal window's timer closes the case.
    await move(reference, { to: 'in_review' });
    await move(reference, { to: 'rejected', reason: 'The article reports the court’s ruling accurately.' });
    const [window] = await db.query<Array<{ due_at: Date }>>(
      `SELECT t.due_at FROM case_timer t JOIN complaint c ON c.id = t.complaint_id
        WHERE c.reference = $1 AND t.kind = 'appeal_window_end' AND t.done_at IS NULL`,
      [reference],
    );
    const clock = t.app.get(Clock);
    const later = jest.spyOn(clock, 'now').mockReturnValue(new Date(new Date(window.due_at).getTime() + 60_000));
    try {
      await t.app.get(TimerWorker).drain();
    } finally {
      later.mockRestore();
    }
    const closed = await caseRow(reference);
    expect(closed.state).toBe('closed');
    await sent(reference, 'complaint-rejected');
    await t.app.get(MailWorker).drain();
    const before = t.sink.to(email).length;

    const res = await resend(reference, receipt.id);
    expect(res.status).toBe(201);
    const { jobId } = (await res.json()) as { jobId: string };
    const again = (await jobs(reference)).find((j) => j.id === jobId)!;
    expect(again).toMatchObject({ template: 'complaint-receipt' });
    const copy = await t.sink.waitFor((m) => m.messageId === again.message_id);
    await t.app.get(MailWorker).drain();
    expect(t.sink.to(email)).toHaveLength(before + 1);
    expect(t.sink.count(again.message_id)).toBe(1);
    expect(again.message_id).not.toBe(receipt.message_id);

    const link = trackingLink(copy);
    expect(link).toBeDefined();
    expect(link).not.toBe(trackingLink(first));
    const page = await fetch(`${link!}?lang=en`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(reference);
    expect(html).toContain('This case is closed.');

    expect(await resentEvents(reference)).toEqual([
      {
        actor_id: moderator.id,
        payload: { reference, template: 'complaint-receipt', resendOf: receipt.id, copyOf: receipt.id, jobId },
      },
    ]);
    expect(await caseRow(reference)).toEqual(closed);
  });

  it('a database fault while recording the resend leaves no copy and sends nothing; once it clears, one copy goes', async () => {
    const { email, reference, receipt } = await filedAndReceived('fault', 'Fault Filer');
    const jobsBefore = (await jobs(reference)).length;
    const mailsBefore = t.sink.to(email).length;

    // The audit insert of the resend fails (the mail_job insert before it in the same transaction succeeds).
    await db.query(`CREATE FUNCTION resend_fault() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.action = 'mail.resent' THEN RAISE EXCEPTION 'injected fault: audit insert of mail.resent'; END IF;
        RETURN NEW;
      END $$`);
    try {
      await db.query(
        `CREATE TRIGGER resend_fault BEFORE INSERT ON audit_event FOR EACH ROW EXECUTE FUNCTION resend_fault()`,
      );
      const res = await resend(reference, receipt.id);
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({
        statusCode: 500,
        code: 'INTERNAL',
        message: 'Internal error',
        details: null,
      });
    } finally {
      await db.query(`DROP TRIGGER IF EXISTS resend_fault ON audit_event`);
      await db.query(`DROP FUNCTION IF EXISTS resend_fault()`);
    }
    expect(await jobs(reference)).toHaveLength(jobsBefore);
    expect(await resentEvents(reference)).toEqual([]);
    await new Promise((r) => setTimeout(r, 2000));
    await t.app.get(MailWorker).drain();
    expect(t.sink.to(email)).toHaveLength(mailsBefore);

    // The fault gone, the same message goes again once.
    const res = await resend(reference, receipt.id);
    expect(res.status).toBe(201);
    const { jobId } = (await res.json()) as { jobId: string };
    const after = await jobs(reference);
    expect(after).toHaveLength(jobsBefore + 1);
    const again = after.find((j) => j.id === jobId)!;
    expect(again.payload).toMatchObject({ resendOf: receipt.id });
    await t.sink.waitFor((m) => m.messageId === again.message_id);
    await t.app.get(MailWorker).drain();
    expect(t.sink.to(email)).toHaveLength(mailsBefore + 1);
    expect(await resentEvents(reference)).toHaveLength(1);
  });
});
