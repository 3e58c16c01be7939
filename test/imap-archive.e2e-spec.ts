import { ImapFlow } from 'imapflow';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import { DataSource } from 'typeorm';
import { ImapPoller } from '../src/inbox/imap-poller';
import { InboxService } from '../src/inbox/inbox.service';
import { MailWorker } from '../src/mail/mail-worker';
import { startTestApp, TestApp } from './helpers/app';
import { Dovecot, startDovecot } from './helpers/dovecot';

/**
 * IMAP_ARCHIVE_FOLDER over real IMAP (dovecot): a message is moved to the folder once it is
 * filed (committed), the folder is made when missing, what is not filed stays, and a move that
 * did not happen after the commit happens on the next run without filing the message again.
 */
describe('IMAP_ARCHIVE_FOLDER (dovecot)', () => {
  const ARCHIVE = 'Filed';
  const contact = 'desk@example.test';
  let dovecot: Dovecot;
  let t: TestApp;
  let db: DataSource;
  let client: ImapFlow;
  let poller: ImapPoller;

  const compose = (opts: Mail.Options): Promise<Buffer> => new MailComposer(opts).compile().build();
  const message = (id: string, subject = 'Please correct') =>
    compose({ from: `s-${randomUUID()}@example.org`, to: contact, subject, messageId: id, text: 'The date is wrong.' });
  /** Message-IDs in a folder (read with a fresh look, not the app's). */
  const idsIn = async (folder: string): Promise<string[]> => {
    const lock = await client.getMailboxLock(folder);
    try {
      const out: string[] = [];
      if (client.mailbox && client.mailbox.exists > 0)
        for await (const m of client.fetch('1:*', { envelope: true })) out.push(m.envelope?.messageId ?? '');
      return out;
    } finally {
      lock.release();
    }
  };
  const rows = async (id: string) =>
    (
      await db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM inbox_message WHERE message_id = $1`, [id])
    )[0].n;
  const repliesTo = (id: string) => t.sink.messages.filter((m) => m.inReplyTo === id);

  beforeAll(async () => {
    dovecot = await startDovecot();
    t = await startTestApp({
      IMAP_URL: dovecot.url,
      IMAP_POLL_MS: '600000',
      IMAP_ARCHIVE_FOLDER: ARCHIVE,
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
  });

  afterAll(async () => {
    await client?.logout().catch(() => undefined);
    await t?.close();
    await dovecot?.stop();
  });

  it('moves filed messages (and a re-delivered copy) to the folder, made when missing; an unreadable one stays', async () => {
    const folders = (await client.list()).map((f) => f.path);
    expect(folders).not.toContain(ARCHIVE);
    const a = `<${randomUUID()}@archive.example>`;
    const b = `<${randomUUID()}@archive.example>`;
    const rawA = await message(a);
    await client.append('INBOX', rawA);
    await client.append('INBOX', rawA); // delivered twice
    await client.append('INBOX', await message(b));
    const poison = `<${randomUUID()}@archive.example>`;
    await client.append('INBOX', await message(poison, 'POISON'));
    const inbox = t.app.get(InboxService);
    const original = inbox.prepare.bind(inbox);
    const spy = jest.spyOn(inbox, 'prepare').mockImplementation((raw) => {
      if (raw.includes('POISON')) return Promise.reject(new Error('parser exploded'));
      return original(raw);
    });
    try {
      await poller.drain();
    } finally {
      spy.mockRestore();
    }
    await t.app.get(MailWorker).drain();

    expect((await client.list()).map((f) => f.path)).toContain(ARCHIVE);
    expect((await idsIn(ARCHIVE)).sort()).toEqual([a, a, b].sort());
    expect(await idsIn('INBOX')).toEqual([poison]);
    expect(await rows(a)).toBe(1);
    expect(await rows(b)).toBe(1);
    expect(repliesTo(a)).toHaveLength(1);
    expect(repliesTo(b)).toHaveLength(1);
  });

  it('a move lost after the commit (a crash) happens on the next run; the message is not filed again', async () => {
    const c = `<${randomUUID()}@archive.example>`;
    await client.append('INBOX', await message(c));
    // The batch commits, then the move does not happen (as if the process died in between).
    const move = jest.spyOn(ImapFlow.prototype, 'messageMove').mockResolvedValueOnce(false);
    try {
      // Through the poller's own chain: the IDLE wake-up may be filing it at this moment too.
      await poller.drain();
      expect(move).toHaveBeenCalled();
    } finally {
      move.mockRestore();
    }
    expect(await rows(c)).toBe(1);
    expect(await idsIn('INBOX')).toContain(c);

    // The next run (nothing new to read) moves it; the poller's mark is past it, so it is not read again.
    const d = `<${randomUUID()}@archive.example>`;
    await client.append('INBOX', await message(d));
    await poller.drain();
    await t.app.get(MailWorker).drain();
    const archived = await idsIn(ARCHIVE);
    expect(archived).toContain(c);
    expect(archived).toContain(d);
    expect(await idsIn('INBOX')).not.toContain(c);
    expect(await rows(c)).toBe(1);
    expect(repliesTo(c)).toHaveLength(1);
    expect(repliesTo(d)).toHaveLength(1);

    // A poller that lost its mark reads what is left in the folder again: nothing is filed twice.
    await db.query(`UPDATE inbox_imap_state SET last_uid = 0`);
    await poller.drain();
    await t.app.get(MailWorker).drain();
    expect(await rows(c)).toBe(1);
    expect(await rows(d)).toBe(1);
    expect(repliesTo(c)).toHaveLength(1);
  });
});
