import { DataSource } from 'typeorm';
import type { ParsedMail } from 'mailparser';
import { startTestApp, TestApp } from './helpers/app';
import { fileComplaint, filerEmail } from './helpers/filing';
import { createStaff, signIn, tokenStaff } from './helpers/staff';
import type { StaffSession, TokenStaff } from './helpers/staff';

/**
 * Staff send a case's message to a party again (a complainant who lost the receipt, an owner whose
 * notice failed): a new job with a new Message-ID and, where the message has a private link, a new
 * link; the earlier one keeps working. Never staff mail, another case's mail, or a second copy
 * while one still waits.
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

  beforeAll(async () => {
    t = await startTestApp();
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
    const email = filerEmail('resend');
    const { reference } = await fileComplaint(t.baseUrl, {
      complainant: { name: 'Resend Filer', email },
      items: [{ articleUrl, kind: 'article' }],
    });
    const receipt = await sent(reference, 'complaint-receipt');
    const first = await t.sink.waitFor((m) => m.messageId === receipt.message_id);

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
});
