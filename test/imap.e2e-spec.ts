import iconv from 'iconv-lite';
import { ImapFlow } from 'imapflow';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import { DataSource } from 'typeorm';
import { AuditService } from '../src/audit/audit.service';
import { APP_CONFIG } from '../src/config/config';
import type { AppConfig } from '../src/config/config';
import { ImapPoller } from '../src/inbox/imap-poller';
import { InboxService } from '../src/inbox/inbox.service';
import { MailWorker } from '../src/mail/mail-worker';
import { startTestApp, TestApp } from './helpers/app';
import { Dovecot, startDovecot } from './helpers/dovecot';
import { apiToken, createStaff } from './helpers/staff';

const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

/**
 * The contact mailbox over real IMAP: Debian's dovecot-imapd (test/dovecot/), messages put in
 * with IMAP APPEND, read by ImapPoller into the same filing path as zero-config mode. Replies
 * are counted at the SMTP sink: each expected one exactly once.
 */
describe('the contact mailbox over IMAP (dovecot)', () => {
  let dovecot: Dovecot;
  let t: TestApp;
  let db: DataSource;
  let client: ImapFlow;
  let poller: ImapPoller;
  let modToken: string;
  let forumUrl: string;
  const contact = 'desk@example.test';

  const compose = (opts: Mail.Options): Promise<Buffer> => new MailComposer(opts).compile().build();
  const append = async (raw: Buffer | string) => {
    await client.append('INBOX', raw);
  };
  /** Messages that arrive in INBOX in one go (moved there together), so one batch reads them all. */
  const appendTogether = async (raws: Buffer[]) => {
    await client.mailboxCreate('Hold');
    for (const raw of raws) await client.append('Hold', raw);
    const lock = await client.getMailboxLock('Hold');
    try {
      await client.messageMove('1:*', 'INBOX');
    } finally {
      lock.release();
    }
  };
  /** Reads the mailbox until nothing is new, then sends every reply that was queued. */
  const settle = async () => {
    await poller.drain();
    await t.app.get(MailWorker).drain();
  };
  const row = async (messageId: string) =>
    db.query<
      Array<{
        id: string;
        kind: string;
        status: string;
        text_body: string;
        attachments: Array<{ name: string }>;
        complaint_id: string | null;
      }>
    >(`SELECT id, kind, status, text_body, attachments, complaint_id FROM inbox_message WHERE message_id = $1`, [
      messageId,
    ]);
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
        explanation: 'The date is wrong.',
        declarations: { truthful: true },
      }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { reference: string }).reference;
  }

  beforeAll(async () => {
    dovecot = await startDovecot();
    t = await startTestApp({
      IMAP_URL: dovecot.url,
      IMAP_POLL_MS: '600000',
      INBOX_DIR: mkdtempSync(join(tmpdir(), 'nd-inbox-')),
      CONTACT_EMAIL: contact,
    });
    db = t.app.get(DataSource);
    poller = t.app.get(ImapPoller);
    client = new ImapFlow({
      host: '127.0.0.1',
      port: dovecot.port,
      secure: false,
      auth: { user: dovecot.user, pass: dovecot.pass },
      logger: false,
    });
    await client.connect();
    const staff = await createStaff(db, { role: 'moderator' });
    modToken = await apiToken(db, staff.email);
    const [a] = await db.query<Array<{ url: string }>>(
      `SELECT url FROM article WHERE slug = 'shanghai-sister-cities-forum'`,
    );
    forumUrl = a.url;
  });

  afterAll(async () => {
    await client?.logout().catch(() => undefined);
    await t?.close();
    await dovecot?.stop();
  });

  it('files a Chinese complaint with a PDF, a GBK message and a forwarded letter; each answered once; a re-delivery filed once', async () => {
    const zh = `<${randomUUID()}@imap.example>`;
    const zhRaw = await compose({
      from: '王小明 <wang@example.org>',
      to: contact,
      subject: '侵权投诉',
      messageId: zh,
      text: `贵站文章 ${forumUrl} 使用了我的照片。`,
      attachments: [{ filename: '证明.pdf', content: pdf }],
    });
    await append(zhRaw);
    await append(zhRaw); // the server delivers it twice
    const gbk = `<${randomUUID()}@gbk.example>`;
    await append(
      [
        'From: li@example.cn',
        `To: ${contact}`,
        `Subject: =?GB18030?B?${iconv.encode('更正', 'gb18030').toString('base64')}?=`,
        `Message-ID: ${gbk}`,
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=GBK',
        'Content-Transfer-Encoding: base64',
        '',
        iconv.encode('第三段与事实不符。', 'gbk').toString('base64'),
        '',
      ].join('\r\n'),
    );
    const letter = await compose({
      from: 'Law Office <office@law.example>',
      to: 'client@example.org',
      subject: 'Notice of infringement',
      text: 'On behalf of our client we demand removal.',
      attachments: [{ filename: 'letter.pdf', content: pdf }],
    });
    const fwd = `<${randomUUID()}@fwd.example>`;
    await append(
      await compose({
        from: 'client@example.org',
        to: contact,
        subject: 'Fwd: Notice of infringement',
        messageId: fwd,
        text: 'Please see the letter from our lawyers below.',
        attachments: [{ filename: 'forwarded.eml', content: letter, contentType: 'message/rfc822' }],
      }),
    );
    await settle();

    const [m1, ...more] = await row(zh);
    expect(more).toHaveLength(0);
    expect(m1).toMatchObject({ kind: 'new', status: 'unfiled' });
    expect(m1.attachments.map((a) => a.name)).toEqual(['证明.pdf']);
    expect(repliesTo(zh)).toHaveLength(1);
    const [m2] = await row(gbk);
    expect(m2.text_body).toBe('第三段与事实不符。');
    expect(repliesTo(gbk)).toHaveLength(1);
    const [m3] = await row(fwd);
    expect(m3.text_body).toContain('Please see the letter');
    expect(m3.text_body).toContain('On behalf of our client we demand removal.');
    expect(m3.attachments.map((a) => a.name)).toEqual(['letter.pdf']);
    expect(repliesTo(fwd)).toHaveLength(1);
  });

  it('a reply to a request for information moves the case; a reply to a receipt joins the case; auto-replies and bounces get nothing', async () => {
    const email = `imap-${randomUUID()}@example.test`;
    const reference = await fileComplaint(email);
    expect(
      (await api('POST', `/api/v1/complaints/${reference}/transitions`, { to: 'in_review', version: 1 })).status,
    ).toBe(200);
    expect(
      (
        await api('POST', `/api/v1/complaints/${reference}/transitions`, {
          to: 'needs_info',
          version: 2,
          missing: ['The date'],
        })
      ).status,
    ).toBe(200);
    await t.app.get(MailWorker).drain();
    const mine = t.sink.to(email).filter((m) => m.subject?.includes(reference));
    const receipt = mine[0];
    const request = mine[mine.length - 1];
    expect(mine.length).toBeGreaterThanOrEqual(2);

    const answer = `<${randomUUID()}@client.example>`;
    await append(
      await compose({
        from: email,
        to: contact,
        subject: `Re: ${request.subject}`,
        messageId: answer,
        inReplyTo: request.messageId,
        text: 'It was 3 May.',
      }),
    );
    const other = `<${randomUUID()}@client.example>`;
    await append(
      await compose({
        from: email,
        to: contact,
        subject: `Re: ${receipt.subject}`,
        messageId: other,
        inReplyTo: receipt.messageId,
        references: [receipt.messageId!],
        text: 'And one more thing.',
      }),
    );
    const auto = `<${randomUUID()}@away.example>`;
    await append(
      await compose({
        from: 'away@example.org',
        to: contact,
        subject: 'Out of office',
        messageId: auto,
        headers: { 'Auto-Submitted': 'auto-replied' },
        text: 'Away.',
      }),
    );
    const bounce = `<${randomUUID()}@mx.example>`;
    await append(
      [
        'From: MAILER-DAEMON@mx.example',
        `To: ${contact}`,
        'Subject: Undelivered Mail Returned to Sender',
        `Message-ID: ${bounce}`,
        'MIME-Version: 1.0',
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
        '',
        '--B',
        'Content-Type: text/plain',
        '',
        'Delivery failed.',
        '--B',
        'Content-Type: message/delivery-status',
        '',
        'Reporting-MTA: dns; mx.example',
        '',
        `Final-Recipient: rfc822; ${email}`,
        'Action: failed',
        'Status: 5.1.1',
        '',
        '--B',
        'Content-Type: text/rfc822-headers',
        '',
        `Message-ID: ${receipt.messageId}`,
        '--B--',
        '',
      ].join('\r\n'),
    );
    await settle();
    const [c] = await db.query<Array<{ id: string; state: string }>>(
      `SELECT id, state FROM complaint WHERE reference = $1`,
      [reference],
    );
    expect(c.state).toBe('in_review');
    expect((await row(answer))[0]).toMatchObject({ kind: 'reply', status: 'filed', complaint_id: c.id });
    expect((await row(other))[0]).toMatchObject({ kind: 'reply', status: 'filed', complaint_id: c.id });
    expect((await row(auto))[0]).toMatchObject({ kind: 'auto_reply', status: 'ignored' });
    expect((await row(bounce))[0]).toMatchObject({ kind: 'bounce', status: 'ignored' });
    for (const id of [answer, other, auto, bounce]) expect(repliesTo(id)).toHaveLength(0);
    const [job] = await db.query<Array<{ bounced_at: Date | null }>>(
      `SELECT bounced_at FROM mail_job WHERE message_id = $1`,
      [receipt.messageId],
    );
    expect(job.bounced_at).not.toBeNull();
  });

  it('new mail is read at once (IDLE), without waiting for the next poll', async () => {
    const id = `<${randomUUID()}@idle.example>`;
    await append(
      await compose({ from: 'idle@example.org', to: contact, subject: 'Right away', messageId: id, text: 'hello' }),
    );
    // IMAP_POLL_MS is ten minutes here: only the IDLE wake-up can file and answer it this soon.
    const ack = await t.sink.waitFor((m) => m.inReplyTo === id, 10000);
    expect(ack.subject).toContain('Right away');
  });

  it('a message that cannot be filed is recorded and passed over; the ones after it are still read', async () => {
    const inbox = t.app.get(InboxService);
    const original = inbox.prepare.bind(inbox);
    const spy = jest.spyOn(inbox, 'prepare').mockImplementation((raw) => {
      if (raw.includes('POISON')) return Promise.reject(new Error('parser exploded'));
      return original(raw);
    });
    try {
      await append(await compose({ from: 'p@example.org', to: contact, subject: 'POISON', text: 'x' }));
      const after = `<${randomUUID()}@after.example>`;
      await append(
        await compose({ from: 'q@example.org', to: contact, subject: 'After', messageId: after, text: 'y' }),
      );
      await settle();
      expect(await row(after)).toHaveLength(1);
      expect(repliesTo(after)).toHaveLength(1);
      const events = await db.query<Array<{ payload: { uid: number; error: string } }>>(
        `SELECT payload FROM audit_event WHERE action = 'inbox.unreadable'`,
      );
      expect(events).toHaveLength(1);
      expect(events[0].payload.error).toBe('parser exploded');
      expect(typeof events[0].payload.uid).toBe('number');
    } finally {
      spy.mockRestore();
    }
  });

  it('in one batch, a follow-up to a message read with it joins that thread: one receipt for the two', async () => {
    const first = `<${randomUUID()}@thread.example>`;
    const follow = `<${randomUUID()}@thread.example>`;
    await appendTogether([
      await compose({ from: 'pat@example.org', to: contact, subject: 'Photo', messageId: first, text: 'My photo.' }),
      await compose({
        from: 'pat@example.org',
        to: contact,
        subject: 'Re: Photo',
        messageId: follow,
        inReplyTo: first,
        references: [first],
        text: 'Forgot the link.',
      }),
    ]);
    await settle();
    // One transaction filed both (now() is the transaction's start).
    const times = await db.query<Array<{ received_at: Date }>>(
      `SELECT received_at FROM inbox_message WHERE message_id = ANY($1)`,
      [[first, follow]],
    );
    expect(times).toHaveLength(2);
    expect(times[0].received_at.getTime()).toBe(times[1].received_at.getTime());
    expect((await row(first))[0]).toMatchObject({ kind: 'new', status: 'unfiled' });
    expect((await row(follow))[0]).toMatchObject({ kind: 'new', status: 'unfiled' });
    expect(repliesTo(first)).toHaveLength(1);
    expect(repliesTo(follow)).toHaveLength(0);
  });

  it('a message whose filing fails sinks only itself: the rest of its batch is filed one by one', async () => {
    const inbox = t.app.get(InboxService);
    const original = inbox.fileMany.bind(inbox);
    const spy = jest
      .spyOn(inbox, 'fileMany')
      .mockImplementation((tx, items, source, files) =>
        items.some((i) => i.raw.includes('FILEBOMB'))
          ? Promise.reject(new Error('filing exploded'))
          : original(tx, items, source, files),
      );
    const before = `<${randomUUID()}@bomb.example>`;
    const after = `<${randomUUID()}@bomb.example>`;
    try {
      await appendTogether([
        await compose({ from: 'r@example.org', to: contact, subject: 'Before', messageId: before, text: 'x' }),
        await compose({ from: 's@example.org', to: contact, subject: 'FILEBOMB', text: 'y' }),
        await compose({ from: 'u@example.org', to: contact, subject: 'After', messageId: after, text: 'z' }),
      ]);
      await settle();
    } finally {
      spy.mockRestore();
    }
    expect(await row(before)).toHaveLength(1);
    expect(await row(after)).toHaveLength(1);
    expect(repliesTo(before)).toHaveLength(1);
    expect(repliesTo(after)).toHaveLength(1);
    const events = await db.query<Array<{ payload: { error: string } }>>(
      `SELECT payload FROM audit_event WHERE action = 'inbox.unreadable' AND payload->>'error' = 'filing exploded'`,
    );
    expect(events).toHaveLength(1);
  });

  it('two pollers at once and a poller that died before recording its place: every message filed and answered once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const id = `<${randomUUID()}@burst.example>`;
      ids.push(id);
      await append(
        await compose({
          from: `burst${i}@example.org`,
          to: contact,
          subject: `Burst ${i}`,
          messageId: id,
          text: `n ${i}`,
        }),
      );
    }
    // A second instance: its own poller over the same database and mailbox.
    const second = new ImapPoller(
      db,
      t.app.get(InboxService),
      t.app.get(AuditService),
      t.app.get<AppConfig>(APP_CONFIG),
    );
    // Batches of 5: each run also reads the next batch ahead while it files, and the other
    // instance may take that batch first.
    poller.batchSize = second.batchSize = 5;
    try {
      await Promise.all([poller.runOnce(), second.runOnce(), poller.runOnce(), second.runOnce()]);
      await settle();
    } finally {
      poller.batchSize = 250;
    }
    // A crash after filing but before the mark committed: the next run reads everything again.
    await db.query(`UPDATE inbox_imap_state SET last_uid = 0`);
    await settle();
    for (const id of ids) {
      expect(await row(id)).toHaveLength(1);
      expect(repliesTo(id)).toHaveLength(1);
    }
    const [{ n }] = await db.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM inbox_message WHERE message_id = ANY($1)`,
      [ids],
    );
    expect(n).toBe(12);
    // Without IMAP_ARCHIVE_FOLDER nothing is moved or deleted: every message is still in INBOX.
    const lock = await client.getMailboxLock('INBOX');
    try {
      const inFolder: string[] = [];
      for await (const m of client.fetch('1:*', { envelope: true })) inFolder.push(m.envelope?.messageId ?? '');
      expect(ids.filter((id) => inFolder.includes(id))).toEqual(ids);
    } finally {
      lock.release();
    }
  });
});
