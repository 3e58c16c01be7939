import iconv from 'iconv-lite';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import { DataSource } from 'typeorm';
import { InboxService } from '../src/inbox/inbox.service';
import { LocalSmtp, startLocalSmtp } from '../src/mail/local-smtp.server';
import { MailWorker } from '../src/mail/mail-worker';
import { startTestApp, TestApp } from './helpers/app';
import { testDatabaseUrl } from './helpers/database';
import { apiToken, createStaff, signIn } from './helpers/staff';

const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
const CONTACT = 'desk@example.test';

interface Row {
  id: string;
  reference: string;
  kind: string;
  status: string;
  locale: string;
  text_body: string;
  raw_key: string;
  raw_sha256: string;
  article_links: Array<{ slug: string }>;
  attachments: Array<{ name: string; contentType: string }>;
  refused: Array<{ name: string; reason: string }>;
  complaint_id: string | null;
  ack_message_id: string | null;
}

describe('mail to the contact address (zero-config: the local SMTP server files it)', () => {
  let t: TestApp;
  let db: DataSource;
  let local: LocalSmtp;
  let inboxDir: string;
  let modToken: string;
  let modEmail: string;
  let forumUrl: string;

  const compose = (opts: Mail.Options): Promise<Buffer> => new MailComposer(opts).compile().build();
  /** Sends a raw message to the contact address over SMTP, as any mail client would. */
  async function deliver(raw: Buffer | string, from = 'someone@example.org'): Promise<void> {
    const transport = createTransport(local.url);
    try {
      await transport.sendMail({ envelope: { from, to: [CONTACT] }, raw });
    } finally {
      transport.close();
    }
  }
  const byMessageId = async (messageId: string): Promise<Row[]> =>
    db.query<Row[]>(`SELECT * FROM inbox_message WHERE message_id = $1`, [messageId]);
  /** Everything queued has been sent: the sink now holds every reply there will be. */
  const drained = () => t.app.get(MailWorker).drain();
  const repliesTo = (messageId: string) => t.sink.messages.filter((m) => m.inReplyTo === messageId);

  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${t.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${modToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  async function fileComplaint(email: string): Promise<string> {
    const res = await fetch(`${t.baseUrl}/api/v1/complaints`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        legalBasis: 'accuracy',
        locale: 'en',
        complainant: { name: 'Pat Doe', email },
        items: [{ articleUrl: forumUrl, kind: 'article' }],
        explanation: 'The date in the second paragraph is wrong.',
        declarations: { truthful: true },
      }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { reference: string }).reference;
  }

  beforeAll(async () => {
    inboxDir = mkdtempSync(join(tmpdir(), 'nd-inbox-'));
    t = await startTestApp({ INBOX_DIR: inboxDir, INBOX_ACK_LIMIT: '3' });
    db = t.app.get(DataSource);
    local = await startLocalSmtp(testDatabaseUrl(), 0);
    const inbox = t.app.get(InboxService);
    local.acceptContactMail(CONTACT, (raw) => inbox.receive(raw, 'smtp'));
    const staff = await createStaff(db, { role: 'moderator' });
    modToken = await apiToken(db, staff.email);
    modEmail = staff.email;
    const list = (await (await fetch(`${t.baseUrl}/api/v1/articles?limit=200`)).json()) as {
      items: Array<{ slug: string; url: string }>;
    };
    forumUrl = list.items.find((a) => a.slug === 'shanghai-sister-cities-forum')!.url;
  });

  afterAll(async () => {
    await local?.stop();
    await t?.close();
  });

  it('files a new Chinese message with a PDF once, keeps the raw .eml, and answers it once in its thread', async () => {
    const messageId = `<${randomUUID()}@mail.example.org>`;
    const raw = await compose({
      from: '王小明 <wang@example.org>',
      to: CONTACT,
      subject: '关于贵站文章侵犯我的著作权',
      messageId,
      text: `您好，贵站文章 ${forumUrl} 使用了我拍摄的照片，未经许可。请删除。附件是原图的权属证明。`,
      attachments: [
        { filename: '权属证明.pdf', content: pdf, contentType: 'application/pdf' },
        { filename: 'run.exe', content: Buffer.from('MZ\x90\x00not a document'), contentType: 'application/pdf' },
      ],
    });
    await deliver(raw, 'wang@example.org');
    await deliver(raw, 'wang@example.org'); // the same message again (a client's retry)
    await drained();

    const rows = await byMessageId(messageId);
    expect(rows).toHaveLength(1);
    const [m] = rows;
    expect(m).toMatchObject({ kind: 'new', status: 'unfiled', locale: 'zh-CN', complaint_id: null });
    expect(m.text_body).toContain('使用了我拍摄的照片');
    expect(m.article_links.map((l) => l.slug)).toEqual(['shanghai-sister-cities-forum']);
    expect(m.attachments).toEqual([expect.objectContaining({ name: '权属证明.pdf', contentType: 'application/pdf' })]);
    expect(m.refused).toEqual([{ name: 'run.exe', reason: 'type' }]);
    // The raw source is kept byte for byte, outside any served folder, with its hash.
    const kept = readFileSync(join(inboxDir, m.raw_key));
    expect(kept.equals(raw)).toBe(true);
    expect(m.raw_sha256).toMatch(/^[0-9a-f]{64}$/);

    const replies = repliesTo(messageId);
    expect(replies).toHaveLength(1);
    const [ack] = replies;
    expect(ack.messageId).toBe(m.ack_message_id);
    expect(ack.references).toEqual(messageId);
    expect(ack.headers.get('auto-submitted')).toBe('auto-replied');
    expect((ack.to as { value: Array<{ address: string }> }).value[0].address).toBe('wang@example.org');
    expect(ack.subject).toContain(m.reference);
    expect(ack.subject).toContain('关于贵站文章侵犯我的著作权');
    expect(ack.text).toContain('已收到您发送至联系邮箱的来信');
    const formUrl = new URL(/(http:\/\/\S+\/complaints\/new\?\S+)/.exec(ack.text ?? '')![1]);
    expect(formUrl.searchParams.get('article')).toBe('shanghai-sister-cities-forum');
    expect(formUrl.searchParams.get('email')).toBe('wang@example.org');
    expect(formUrl.searchParams.get('name')).toBe('王小明');
    expect(formUrl.searchParams.get('explanation')).toContain('未经许可');
    // The form opens with those values in place.
    const form = await (await fetch(formUrl)).text();
    expect(form).toContain('value="wang@example.org"');
    expect(form).toContain('value="王小明"');
    expect(form).toContain('未经许可');
    expect(form).toContain(`value="${forumUrl}"`);
    const [{ n }] = await db.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM audit_event WHERE action = 'inbox.received' AND subject_id = $1`,
      [m.id],
    );
    expect(n).toBe(1);
    // The staff view of sent mail (mailbox_message) still has it too.
    const [{ k }] = await db.query<Array<{ k: number }>>(
      `SELECT count(*)::int AS k FROM mailbox_message WHERE message_id = $1`,
      [messageId],
    );
    expect(k).toBeGreaterThanOrEqual(1);
  });

  it('reads a GBK-encoded message right and answers in Chinese', async () => {
    const messageId = `<${randomUUID()}@gbk.example.cn>`;
    const body = iconv.encode('这篇报道的第三段与事实不符，请更正。', 'gbk').toString('base64');
    const subject = `=?GBK?B?${iconv.encode('更正请求', 'gbk').toString('base64')}?=`;
    const raw = [
      'From: =?GBK?B?' + iconv.encode('李华', 'gbk').toString('base64') + '?= <lihua@example.cn>',
      `To: ${CONTACT}`,
      `Subject: ${subject}`,
      `Message-ID: ${messageId}`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset="GBK"',
      'Content-Transfer-Encoding: base64',
      '',
      body,
      '',
    ].join('\r\n');
    await deliver(raw, 'lihua@example.cn');
    await drained();
    const [m] = await byMessageId(messageId);
    expect(m.text_body).toBe('这篇报道的第三段与事实不符，请更正。');
    expect(m.locale).toBe('zh-CN');
    const [ack] = repliesTo(messageId);
    expect(ack.subject).toContain('更正请求');
    expect(ack.text).toContain('李华，您好');
  });

  it('does not answer auto-replies, bulk mail, failed DMARC, or mail from our own address', async () => {
    const cases: Array<{ headers: Record<string, string>; from: string; kind: string; status: string }> = [
      {
        headers: { 'Auto-Submitted': 'auto-replied' },
        from: 'away@example.org',
        kind: 'auto_reply',
        status: 'ignored',
      },
      { headers: { 'X-Autoreply': 'yes' }, from: 'away2@example.org', kind: 'auto_reply', status: 'ignored' },
      { headers: { Precedence: 'bulk' }, from: 'list@example.org', kind: 'auto_reply', status: 'ignored' },
      {
        headers: {
          'Authentication-Results': 'mx.example.test; spf=pass smtp.mailfrom=x; dmarc=fail header.from=bank.test',
        },
        from: 'forged@bank.test',
        kind: 'unauthenticated',
        status: 'unfiled',
      },
      { headers: {}, from: 'desk@news.example.test', kind: 'own', status: 'ignored' },
    ];
    const ids: string[] = [];
    for (const c of cases) {
      const messageId = `<${randomUUID()}@noise.example>`;
      ids.push(messageId);
      await deliver(
        await compose({
          from: c.from,
          to: CONTACT,
          subject: 'Out of office',
          messageId,
          text: 'I am away.',
          headers: c.headers,
        }),
        c.from,
      );
    }
    await drained();
    for (const [i, messageId] of ids.entries()) {
      const [m] = await byMessageId(messageId);
      expect({ kind: m.kind, status: m.status, ack: m.ack_message_id }).toEqual({
        kind: cases[i].kind,
        status: cases[i].status,
        ack: null,
      });
      expect(repliesTo(messageId)).toHaveLength(0);
    }
  });

  it('a bounce marks the recipient on the original mail job and gets no reply', async () => {
    const email = `bounce-${randomUUID()}@example.test`;
    const reference = await fileComplaint(email);
    const receipt = await t.sink.waitFor(
      (m) => m.subject?.includes(reference) === true && t.sink.to(email).includes(m),
    );
    const messageId = `<${randomUUID()}@mx.example.test>`;
    const raw = [
      'From: Mail Delivery System <MAILER-DAEMON@mx.example.test>',
      `To: ${CONTACT}`,
      'Subject: Undelivered Mail Returned to Sender',
      `Message-ID: ${messageId}`,
      'Auto-Submitted: auto-replied',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="BND"',
      '',
      '--BND',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      'This is the mail system. Your message could not be delivered.',
      '--BND',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.example.test',
      '',
      `Final-Recipient: rfc822; ${email}`,
      'Action: failed',
      'Status: 5.1.1',
      '',
      '--BND',
      'Content-Type: text/rfc822-headers',
      '',
      `Message-ID: ${receipt.messageId}`,
      `To: ${email}`,
      '--BND--',
      '',
    ].join('\r\n');
    await deliver(raw, '');
    await drained();
    const [m] = await byMessageId(messageId);
    expect(m).toMatchObject({ kind: 'bounce', status: 'ignored', ack_message_id: null });
    const [job] = await db.query<Array<{ bounced_at: Date | null; bounce_reason: string }>>(
      `SELECT bounced_at, bounce_reason FROM mail_job WHERE message_id = $1`,
      [receipt.messageId],
    );
    expect(job.bounced_at).not.toBeNull();
    expect(job.bounce_reason).toContain('5.1.1');
    expect(job.bounce_reason).toContain(email);
    expect(repliesTo(messageId)).toHaveLength(0);
    const events = await db.query<Array<{ action: string }>>(
      `SELECT e.action FROM audit_event e JOIN complaint c ON c.id::text = e.subject_id WHERE c.reference = $1`,
      [reference],
    );
    expect(events.map((e) => e.action)).toContain('mail.bounced');
  });

  it('a reply to a request for information moves the case back to review, its PDF as evidence, with no receipt', async () => {
    const email = `answer-${randomUUID()}@example.test`;
    const reference = await fileComplaint(email);
    expect(
      (await api('POST', `/api/v1/complaints/${reference}/transitions`, { to: 'in_review', version: 1 })).status,
    ).toBe(200);
    const ask = await api('POST', `/api/v1/complaints/${reference}/transitions`, {
      to: 'needs_info',
      version: 2,
      missing: ['The correct date'],
    });
    expect(ask.status).toBe(200);
    const request = await t.sink.waitFor(
      (m) =>
        t.sink.to(email).includes(m) &&
        m.subject?.includes(reference) === true &&
        /information|补充/i.test(m.subject ?? ''),
    );
    const messageId = `<${randomUUID()}@client.example>`;
    const raw = await compose({
      from: `Pat Doe <${email}>`,
      to: CONTACT,
      subject: `Re: ${request.subject}`,
      messageId,
      inReplyTo: request.messageId,
      references: [request.messageId!],
      text: 'The correct date is 3 May.\n\nOn Mon, Notice Desk wrote:\n> Please send the correct date.',
      attachments: [{ filename: 'calendar.pdf', content: pdf }],
    });
    await deliver(raw, email);
    await drained();
    const [m] = await byMessageId(messageId);
    expect(m).toMatchObject({ kind: 'reply', status: 'filed', ack_message_id: null });
    const [c] = await db.query<Array<{ id: string; state: string }>>(
      `SELECT id, state FROM complaint WHERE reference = $1`,
      [reference],
    );
    expect(c.state).toBe('in_review');
    expect(m.complaint_id).toBe(c.id);
    const files = await db.query<Array<{ original_name: string }>>(
      `SELECT original_name FROM evidence_file WHERE complaint_id = $1`,
      [c.id],
    );
    expect(files.map((f) => f.original_name)).toEqual(['calendar.pdf']);
    const [answered] = await db.query<Array<{ payload: { text?: string } }>>(
      `SELECT payload FROM audit_event WHERE action = 'complaint.answered' AND subject_id = $1`,
      [c.id],
    );
    expect(answered).toBeDefined();
    expect(repliesTo(messageId)).toHaveLength(0);
    // The answer is what they wrote, without the quoted history, exactly as a tracking-page answer.
    const responses = await db.query<Array<{ author: string; body: string }>>(
      `SELECT author, body FROM complaint_response WHERE complaint_id = $1`,
      [c.id],
    );
    expect(responses).toEqual([{ author: 'complainant', body: 'The correct date is 3 May.' }]);
  });

  it('a reply to our receipt joins the thread and gets no second receipt; a sender gets at most INBOX_ACK_LIMIT receipts an hour', async () => {
    const first = `<${randomUUID()}@thread.example>`;
    const from = `thread-${randomUUID()}@example.org`;
    await deliver(await compose({ from, to: CONTACT, subject: 'A question', messageId: first, text: 'Hello?' }), from);
    await drained();
    const [ack] = repliesTo(first);
    const second = `<${randomUUID()}@thread.example>`;
    await deliver(
      await compose({
        from,
        to: CONTACT,
        subject: `Re: ${ack.subject}`,
        messageId: second,
        inReplyTo: ack.messageId,
        references: [first, ack.messageId!],
        text: 'More detail.',
      }),
      from,
    );
    for (let i = 0; i < 4; i++)
      await deliver(
        await compose({
          from,
          to: CONTACT,
          subject: `New ${i}`,
          messageId: `<${randomUUID()}@many.example>`,
          text: `n ${i}`,
        }),
        from,
      );
    await drained();
    expect(repliesTo(second)).toHaveLength(0);
    const [{ acks }] = await db.query<Array<{ acks: number }>>(
      `SELECT count(ack_message_id)::int AS acks FROM inbox_message WHERE from_address = $1`,
      [from],
    );
    expect(acks).toBe(3);
    expect(t.sink.to(from)).toHaveLength(3);
  });

  describe('the staff inbox', () => {
    /** Sends a new message and returns its inbox row id. */
    async function arrive(opts: Partial<Mail.Options> = {}): Promise<{ id: string; messageId: string; from: string }> {
      const messageId = `<${randomUUID()}@staff.example>`;
      const from = `sender-${randomUUID()}@example.org`;
      await deliver(
        await compose({
          from: `Ada Lovelace <${from}>`,
          to: CONTACT,
          subject: 'Wrong date',
          messageId,
          text: 'x',
          ...opts,
        }),
        from,
      );
      await drained();
      const [m] = await byMessageId(messageId);
      return { id: m.id, messageId, from };
    }

    it('lists unfiled messages and shows one with sanitised HTML, attachments and links (staff only)', async () => {
      const { id } = await arrive({
        subject: 'HTML complaint',
        text: `See ${forumUrl}`,
        html: `<p onclick="steal()">See <a href="${forumUrl}">the article</a><script>alert(1)</script><img src="https://tracker.example/p.gif"></p>`,
        attachments: [{ filename: 'proof.pdf', content: pdf }],
      });
      expect((await fetch(`${t.baseUrl}/api/v1/inbox`)).status).toBe(401);
      const list = (await (await api('GET', '/api/v1/inbox?q=HTML%20complaint')).json()) as {
        items: Array<{ id: string; articleCount: number; attachmentCount: number }>;
      };
      expect(list.items).toEqual([expect.objectContaining({ id, articleCount: 1, attachmentCount: 1 })]);
      const detail = (await (await api('GET', `/api/v1/inbox/${id}`)).json()) as {
        html: string;
        blockedImages: number;
        attachments: Array<{ name: string; index: number }>;
        articleLinks: Array<{ slug: string }>;
      };
      expect(detail.html).not.toMatch(/script|onclick|tracker\.example\/p\.gif"/);
      expect(detail.html).toContain('the article');
      expect(detail.blockedImages).toBe(1);
      expect(detail.attachments).toEqual([expect.objectContaining({ name: 'proof.pdf', index: 0 })]);
      expect(detail.articleLinks.map((l) => l.slug)).toEqual(['shanghai-sister-cities-forum']);
      // The pages: staff only, the HTML only in a locked-down frame document.
      const session = await signIn(t.baseUrl, modEmail);
      const page = await fetch(`${t.baseUrl}/staff/inbox`, { headers: { cookie: session.cookie } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('HTML complaint');
      const frame = await fetch(`${t.baseUrl}/staff/inbox/${id}/html`, { headers: { cookie: session.cookie } });
      expect(frame.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(frame.headers.get('content-security-policy')).toContain('sandbox');
      const frameHtml = await frame.text();
      expect(frameHtml).not.toContain('<script');
      expect(frameHtml).not.toContain('tracker.example/p.gif');
      // Remote images only when asked for.
      const withImages = await fetch(`${t.baseUrl}/staff/inbox/${id}/html?images=1`, {
        headers: { cookie: session.cookie },
      });
      expect(withImages.headers.get('content-security-policy')).toContain('img-src data: https:');
      expect(await withImages.text()).toContain('src="https://tracker.example/p.gif"');
      const anon = await fetch(`${t.baseUrl}/staff/inbox/${id}`, { redirect: 'manual' });
      expect(anon.status).toBe(303);
      const noCsrf = await fetch(`${t.baseUrl}/staff/inbox/${id}/file`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ action: 'dismiss', category: 'spam', reason: 'x' }),
      });
      expect(noCsrf.status).toBe(403);
      const file = await fetch(`${t.baseUrl}/staff/inbox/${id}/attachments/0`, { headers: { cookie: session.cookie } });
      expect(file.headers.get('content-type')).toBe('application/pdf');
      expect(Buffer.from(await file.arrayBuffer()).equals(pdf)).toBe(true);
    });

    it('files a message as a new case through intake: its PDF as evidence, the case receipt in the same thread, once', async () => {
      const { id, messageId, from } = await arrive({ attachments: [{ filename: 'proof.pdf', content: pdf }] });
      const bad = await api('POST', `/api/v1/inbox/${id}/file`, {
        action: 'new_case',
        legalBasis: 'accuracy',
        articleUrls: [],
      });
      expect(bad.status).toBe(422);
      const body = {
        action: 'new_case',
        legalBasis: 'accuracy',
        articleUrls: [forumUrl],
        complainant: { name: 'Ada Lovelace' },
        explanation: 'The date in the second paragraph is wrong.',
      };
      // The declarations are what the message states, never assumed: none ticked, the basis refuses it.
      const unstated = await api('POST', `/api/v1/inbox/${id}/file`, body);
      expect(unstated.status).toBe(422);
      const unstatedErr = (await unstated.json()) as { details: Array<{ field: string }> };
      expect(unstatedErr.details.map((d) => d.field)).toContain('declarations.truthful');
      Object.assign(body, { stated: { truthful: true } });
      const res = await api('POST', `/api/v1/inbox/${id}/file`, body);
      expect(res.status).toBe(201);
      const { status, complaintReference } = (await res.json()) as { status: string; complaintReference: string };
      expect(status).toBe('filed');
      expect(complaintReference).toMatch(/^ND-\d{4}-\d{6}$/);
      expect((await api('POST', `/api/v1/inbox/${id}/file`, body)).status).toBe(409);
      await drained();
      const receipts = t.sink.to(from).filter((m) => m.subject?.includes(complaintReference));
      expect(receipts).toHaveLength(1);
      expect(receipts[0].inReplyTo).toBe(messageId);
      // Later mail about the case to that sender stays in the thread too.
      expect(
        (await api('POST', `/api/v1/complaints/${complaintReference}/transitions`, { to: 'in_review', version: 1 }))
          .status,
      ).toBe(200);
      expect(
        (
          await api('POST', `/api/v1/complaints/${complaintReference}/transitions`, {
            to: 'needs_info',
            version: 2,
            missing: ['The correct date'],
          })
        ).status,
      ).toBe(200);
      await drained();
      const later = t.sink.to(from).filter((m) => m.subject?.includes(complaintReference));
      expect(later).toHaveLength(2);
      expect(later[1].inReplyTo).toBe(messageId);
      expect(later[1].references).toEqual(messageId);
      const [c] = await db.query<Array<{ id: string; complainant_email: string }>>(
        `SELECT id, complainant_email FROM complaint WHERE reference = $1`,
        [complaintReference],
      );
      expect(c.complainant_email).toBe(from);
      const [decl] = await db.query<Array<{ declarations: Record<string, boolean> }>>(
        `SELECT declarations FROM complaint WHERE id = $1`,
        [c.id],
      );
      expect(decl.declarations).toMatchObject({ truthful: true, goodFaith: false, perjury: false });
      const files = await db.query<Array<{ original_name: string }>>(
        `SELECT original_name FROM evidence_file WHERE complaint_id = $1`,
        [c.id],
      );
      expect(files.map((f) => f.original_name)).toEqual(['proof.pdf']);
      const actions = await db.query<Array<{ action: string }>>(
        `SELECT action FROM audit_event WHERE subject_id = ANY($1) ORDER BY id`,
        [[id, c.id]],
      );
      expect(actions.map((a) => a.action)).toEqual(
        expect.arrayContaining(['inbox.received', 'complaint.received', 'inbox.filed', 'complaint.mail_received']),
      );
    });

    it('attaches a message to an existing case, or marks it not a complaint with a reason; each once, audited', async () => {
      const reference = await fileComplaint(`other-${randomUUID()}@example.test`);
      const a = await arrive({ attachments: [{ filename: 'more.pdf', content: pdf }] });
      expect(
        (await api('POST', `/api/v1/inbox/${a.id}/file`, { action: 'attach', reference: 'ND-1999-000000' })).status,
      ).toBe(422);
      const attached = await api('POST', `/api/v1/inbox/${a.id}/file`, { action: 'attach', reference });
      expect(await attached.json()).toEqual({ status: 'filed', complaintReference: reference });
      const [{ n }] = await db.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM evidence_file f JOIN complaint c ON c.id = f.complaint_id
          WHERE c.reference = $1 AND f.original_name = 'more.pdf'`,
        [reference],
      );
      expect(n).toBe(1);
      const b = await arrive();
      expect(
        (await api('POST', `/api/v1/inbox/${b.id}/file`, { action: 'dismiss', category: 'press', reason: '' })).status,
      ).toBe(422);
      const dismissed = await api('POST', `/api/v1/inbox/${b.id}/file`, {
        action: 'dismiss',
        category: 'press',
        reason: 'A journalist asking for comment',
      });
      expect(await dismissed.json()).toEqual({ status: 'dismissed', complaintReference: null });
      const [ev] = await db.query<Array<{ payload: { category: string; reason: string } }>>(
        `SELECT payload FROM audit_event WHERE action = 'inbox.dismissed' AND subject_id = $1`,
        [b.id],
      );
      expect(ev.payload).toMatchObject({ category: 'press', reason: 'A journalist asking for comment' });
      const unfiled = (await (await api('GET', '/api/v1/inbox?limit=200')).json()) as { items: Array<{ id: string }> };
      expect(unfiled.items.map((i) => i.id)).not.toContain(a.id);
      expect(unfiled.items.map((i) => i.id)).not.toContain(b.id);
    });
  });

  it('keeps raw mail out of UPLOAD_DIR and every served folder', () => {
    expect(existsSync(join(t.uploadDir, 'raw'))).toBe(false);
  });
});
