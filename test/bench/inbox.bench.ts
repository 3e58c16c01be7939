/**
 * `npm run bench:inbox`: the contact mailbox over IMAP, end to end.
 *
 * Starts Debian's dovecot-imapd (test/dovecot/, as the IMAP spec does), creates the database
 * notice_desk_bench_inbox_<pid> on DATABASE_URL's server, starts the app in this process with IMAP_URL
 * pointing at dovecot and SMTP_URL at an in-process sink, APPENDs BENCH_COUNT (10,000) messages
 * (a realistic mix: Chinese and English, one in five with a PDF, some article links, distinct
 * senders; composed before the clock starts, appended over BENCH_APPEND_CONNECTIONS (4)
 * connections), and waits until every message is filed and its receipt has reached the sink.
 * Prints messages filed per second, receipts per second, and the time from APPEND to receipt
 * received (p50, p99). BENCH_BACKLOG=1 appends to another folder first and moves all into INBOX
 * at once (the clock starts there): filing alone, without the APPEND rate as a ceiling.
 * The database is dropped at the end.
 */
import iconv from 'iconv-lite';
import { ImapFlow } from 'imapflow';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app.factory';
import { loadConfig } from '../../src/config/config';
import { freePort } from '../helpers/app';
import { startDovecot } from '../helpers/dovecot';
import { SmtpSink } from '../helpers/smtp-sink';
import { percentile as pct } from './stats';

const env = process.env;
const COUNT = Number(env.BENCH_COUNT ?? 10_000);
// One database per run (pid), so runs side by side do not drop each other's.
const DB = `notice_desk_bench_inbox_${process.pid}`;
const LANES = Number(env.BENCH_APPEND_CONNECTIONS ?? 4);
const BACKLOG = env.BENCH_BACKLOG === '1';
const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

async function main(): Promise<void> {
  const server = env.DATABASE_URL;
  if (!server) throw new Error('set DATABASE_URL to a PostgreSQL server (the bench creates its own database)');
  const admin = new Client({ connectionString: server });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${DB}`);
  const url = new URL(server);
  url.pathname = `/${DB}`;

  const dovecot = await startDovecot();
  const sink = new SmtpSink();
  const smtpUrl = await sink.start();
  const port = await freePort();
  const config = loadConfig({
    DATABASE_URL: url.toString(),
    SMTP_URL: smtpUrl,
    IMAP_URL: dovecot.url,
    IMAP_POLL_MS: '1000',
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    CONTACT_EMAIL: 'desk@example.test',
    MAIL_FROM: 'Notice Desk <desk@news.example.test>',
    UPLOAD_DIR: mkdtempSync(join(tmpdir(), 'nd-bench-uploads-')),
    INBOX_DIR: mkdtempSync(join(tmpdir(), 'nd-bench-inbox-')),
    MAIL_POLL_MS: '100',
    LOG_LEVEL: 'error',
  });
  const app = await createApp(config);
  await app.listen(port, '127.0.0.1');
  const db = app.get(DataSource);
  const [article] = await db.query<Array<{ url: string }>>(
    `SELECT url FROM article ORDER BY published_at DESC LIMIT 1`,
  );

  const imap = () =>
    new ImapFlow({
      host: '127.0.0.1',
      port: dovecot.port,
      secure: false,
      auth: { user: dovecot.user, pass: dovecot.pass },
      logger: false,
    });
  // APPEND over a few connections at once (a busy mailbox gets mail from many senders), so the
  // appending side is not what limits the rate measured.
  const clients = Array.from({ length: LANES }, imap);
  await Promise.all(clients.map((c) => c.connect()));
  const appendedAt = new Map<string, number>();
  const receiptAt = new Map<string, number>();
  const origPush = sink.messages.push.bind(sink.messages);
  sink.messages.push = (...items) => {
    for (const m of items) if (m.inReplyTo) receiptAt.set(m.inReplyTo, performance.now());
    return origPush(...items);
  };

  // Composed before the clock starts: the messages exist before they are delivered.
  console.log(`composing ${COUNT} messages …`);
  const messages: Array<{ id: string; raw: Buffer | string }> = [];
  for (let i = 0; i < COUNT; i++) {
    const id = `<bench-${i}-${Date.now()}@bench.example>`;
    const zh = i % 2 === 0;
    const raw =
      i % 10 === 3
        ? // Some arrive in GBK, as older Chinese clients send them.
          [
            `From: sender${i}@example.cn`,
            'To: desk@example.test',
            `Subject: =?GBK?B?${iconv.encode(`投诉 ${i}`, 'gbk').toString('base64')}?=`,
            `Message-ID: ${id}`,
            'MIME-Version: 1.0',
            'Content-Type: text/plain; charset=GBK',
            'Content-Transfer-Encoding: base64',
            '',
            iconv.encode(`文章 ${article.url} 有误。`, 'gbk').toString('base64'),
            '',
          ].join('\r\n')
        : await new MailComposer({
            from: `${zh ? '王' : 'Sam '}${i} <sender${i}@example.org>`,
            to: 'desk@example.test',
            subject: zh ? `关于文章的投诉 ${i}` : `Complaint ${i}`,
            messageId: id,
            text: zh
              ? `您好，文章 ${article.url} 侵犯了我的权利。`
              : `Hello, the article ${i % 3 ? article.url : ''} uses my photo.`,
            attachments: i % 5 === 0 ? [{ filename: `proof-${i}.pdf`, content: pdf }] : [],
          })
            .compile()
            .build();
    messages.push({ id, raw });
  }

  // BENCH_BACKLOG=1: the messages are put in another folder first and moved into INBOX with one
  // command, so the poller meets a backlog: this measures filing alone, not the APPEND rate.
  const folder = BACKLOG ? 'Staging' : 'INBOX';
  if (BACKLOG) await clients[0].mailboxCreate(folder);
  console.log(`appending ${COUNT} messages to ${folder} over ${LANES} connection(s) …`);
  let started = performance.now();
  let next = 0;
  await Promise.all(
    clients.map(async (c) => {
      while (next < messages.length) {
        const { id, raw } = messages[next++];
        appendedAt.set(id, performance.now());
        await c.append(folder, raw);
      }
    }),
  );
  let appended = performance.now();
  console.log(
    `appended in ${((appended - started) / 1000).toFixed(1)} s (${(COUNT / ((appended - started) / 1000)).toFixed(0)} msg/s)`,
  );
  if (BACKLOG) {
    await clients[0].mailboxOpen(folder);
    started = performance.now();
    for (const { id } of messages) appendedAt.set(id, started);
    await clients[0].messageMove('1:*', 'INBOX');
    appended = performance.now();
    console.log(`moved into INBOX in ${((appended - started) / 1000).toFixed(1)} s; the clock starts there`);
  }
  // Done with them: idle connections would time out (an unhandled 'error') during a long wait.
  await Promise.all(clients.map((c) => c.logout()));
  // BENCH_TRACE=1: how many are filed and answered, each second.
  const trace = env.BENCH_TRACE
    ? setInterval(() => {
        void db
          .query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM inbox_message`)
          .then(([{ n }]) =>
            console.log(
              `${((performance.now() - started) / 1000).toFixed(1)} s: ${n} filed, ${receiptAt.size} answered`,
            ),
          );
      }, 1000)
    : undefined;

  let filedAt = 0;
  for (;;) {
    const [{ n }] = await db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM inbox_message`);
    if (!filedAt && n >= COUNT) filedAt = performance.now();
    if (filedAt && receiptAt.size >= COUNT) break;
    if (performance.now() - appended > 30 * 60_000) throw new Error(`gave up: ${n} filed, ${receiptAt.size} receipts`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const done = performance.now();
  clearInterval(trace);
  const latencies = [...appendedAt].map(([id, at]) => (receiptAt.get(id) ?? done) - at).sort((a, b) => a - b);
  const s = (ms: number) => (ms / 1000).toFixed(2);
  console.log(`messages:                    ${COUNT}`);
  console.log(
    `filed (from ${BACKLOG ? 'the move' : 'first APPEND'}):${BACKLOG ? '      ' : '   '}${s(filedAt - started)} s, ${(COUNT / ((filedAt - started) / 1000)).toFixed(0)} msg/s`,
  );
  console.log(
    `answered (receipts at sink): ${s(done - started)} s, ${(COUNT / ((done - started) / 1000)).toFixed(0)} msg/s`,
  );
  console.log(`APPEND → receipt received:   p50 ${s(pct(latencies, 50))} s, p99 ${s(pct(latencies, 99))} s`);

  await app.close();
  await sink.stop();
  await dovecot.stop();
  await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.end();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
