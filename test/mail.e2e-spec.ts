import { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { createTransport } from 'nodemailer';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AuditModule } from '../src/audit/audit.module';
import { AllExceptionsFilter } from '../src/common/http-exception.filter';
import { configureViews } from '../src/common/views';
import { loadConfig } from '../src/config/config';
import { ConfigModule } from '../src/config/config.module';
import { dataSourceOptions } from '../src/database/data-source';
import { startLocalSmtp } from '../src/mail/local-smtp.server';
import { MailOutbox } from '../src/mail/mail-outbox';
import { MailWorker } from '../src/mail/mail-worker';
import { MailModule } from '../src/mail/mail.module';
import { migrate, testDatabaseUrl } from './helpers/database';
import { SinkOptions, SmtpSink } from './helpers/smtp-sink';

const url = testDatabaseUrl();
const REF = 'ND-2026-000777';

function receiptPayload(reference = REF) {
  return {
    reference,
    // Private links are minted by the worker for a complaint's mail; this one has none.
    trackingUrl: null,
    legalBasis: 'us-dmca',
    complainantName: 'Jane Roe',
    receivedAt: new Date().toISOString(),
    items: [
      { kind: 'article', articleTitle: 'Harbour at dawn', articleUrl: 'https://news.example/a/harbour', detail: null },
    ],
    duplicateOfReference: null,
  };
}

type App = NestExpressApplication & { worker: MailWorker; outbox: MailOutbox; db: DataSource };

/** Config, TypeORM, audit and mail only: the mail module as the web process and the worker run it. */
async function boot(smtpUrl: string, env: Record<string, string> = {}): Promise<App> {
  const config = loadConfig({
    DATABASE_URL: url,
    SMTP_URL: smtpUrl,
    MAIL_FROM: 'Notice Desk <desk@news.example>',
    MAIL_WORKER: 'true',
    MAIL_POLL_MS: '100',
    MAIL_RETRY_BASE_MS: '100',
    LOG_LEVEL: 'warn',
    ...env,
  });
  const moduleRef = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(config), TypeOrmModule.forRoot(dataSourceOptions(url)), AuditModule, MailModule],
  }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ logger: ['error', 'warn'] });
  configureViews(app);
  // The shared page layout belongs to another module; these tests look at the mailbox views alone.
  app.set('view options', { layout: false });
  app.useGlobalFilters(new AllExceptionsFilter());
  await app.init();
  return Object.assign(app, { worker: app.get(MailWorker), outbox: app.get(MailOutbox), db: app.get(DataSource) });
}

async function job(db: DataSource, id: string) {
  const [row] = await db.query<
    Array<{
      state: string;
      attempts: number;
      last_error: string | null;
      sent_at: Date | null;
      later: boolean;
    }>
  >(`SELECT state, attempts, last_error, sent_at, next_attempt_at > now() AS later FROM mail_job WHERE id = $1`, [id]);
  return row;
}

async function auditFor(db: DataSource, action: string, mailJobId: string) {
  return await db.query<
    Array<{
      subject_type: string;
      subject_id: string;
      payload: Record<string, unknown>;
    }>
  >(`SELECT subject_type, subject_id, payload FROM audit_event WHERE action = $1 AND payload->>'mailJobId' = $2`, [
    action,
    mailJobId,
  ]);
}

/** Polls until the job reaches `state` (the row is updated just after the SMTP server answers). */
async function until(db: DataSource, id: string, state: string, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await job(db, id);
    if (row.state === state || Date.now() > deadline) return row;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('mail (e2e)', () => {
  let sink: SmtpSink | undefined;
  let sinkUrl = '';
  const apps: App[] = [];

  beforeAll(async () => {
    await migrate(url);
    // Other e2e files may leave queued mail behind; park it so each sink here sees only our jobs.
    const db = new DataSource(dataSourceOptions(url));
    await db.initialize();
    await db.query(`UPDATE mail_job SET next_attempt_at = now() + interval '100 years', locked_until = now() + interval '100 years'
                     WHERE state IN ('pending', 'sending')`);
    await db.destroy();
  });

  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    await sink?.stop();
    sink = undefined;
  });

  async function start(sinkOptions: SinkOptions, env?: Record<string, string>): Promise<[App, SmtpSink]> {
    const s = new SmtpSink();
    sink = s;
    sinkUrl = await s.start(sinkOptions);
    const app = await boot(sinkUrl, env);
    apps.push(app);
    return [app, s];
  }

  it('delivers a queued message with its subject, Message-ID, parts and a mail.sent audit event', async () => {
    const [app, sink] = await start({});
    const to = `jane-${randomUUID()}@example.test`;
    const payload = receiptPayload();
    const { id, messageId } = await app.db.transaction((tx) =>
      app.outbox.enqueue(tx, { template: 'complaint-receipt', locale: 'en', to, payload }),
    );
    expect(messageId).toBe(`<${id}@news.example>`);
    await app.worker.drain();

    const mail = await sink.waitFor((m) => m.messageId === messageId);
    expect(mail.subject).toBe(`[${REF}] We have received your complaint`);
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value.map((v) => v.address) : []).toEqual([to]);
    expect(mail.from?.value[0].address).toBe('desk@news.example');
    expect(mail.headers.get('x-notice-desk-reference')).toBe(REF);
    expect(mail.text).toContain('Jane Roe');
    expect(mail.text).not.toContain('<p>');
    expect(mail.html).toContain('<html lang="en">');
    expect(sink.messages).toHaveLength(1);

    const row = await until(app.db, id, 'sent');
    expect(row).toMatchObject({ state: 'sent', attempts: 1, last_error: null });
    expect(row.sent_at).toBeInstanceOf(Date);
    const events = await auditFor(app.db, 'mail.sent', id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ subject_type: 'mail', subject_id: id });
    expect(events[0].payload).toEqual({
      mailJobId: id,
      template: 'complaint-receipt',
      to: `j***@example.test`,
      messageId,
    });
  });

  it('refuses to queue a private link in clear: links are minted at send time, never stored', async () => {
    const [app] = await start({});
    for (const key of ['trackingUrl', 'answerUrl', 'responseUrl']) {
      await expect(
        app.db.transaction((tx) =>
          app.outbox.enqueue(tx, {
            template: 'complaint-receipt',
            locale: 'en',
            to: 'x@example.test',
            payload: {
              ...receiptPayload(),
              [key]: 'https://desk.example/track/abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
            },
          }),
        ),
      ).rejects.toThrow(/mail_job_no_link_check/);
    }
  });

  it('files mail about a complaint under that complaint in the audit trail', async () => {
    const [app, sink] = await start({});
    const [c] = await app.db.query<Array<{ id: string }>>(
      `INSERT INTO complaint (reference, legal_basis, locale, complainant, complainant_email, explanation, declarations, tracking_token_hash)
       VALUES ($1, 'accuracy', 'zh-CN', '{"name":"张三"}', 'zs@example.test', 'x', '{}', $2) RETURNING id`,
      [`ND-T-${randomUUID().slice(0, 8)}`, randomUUID()],
    );
    const { id, messageId } = await app.db.transaction((tx) =>
      app.outbox.enqueue(tx, {
        template: 'complaint-receipt',
        locale: 'zh-CN',
        to: 'zs@example.test',
        payload: receiptPayload(),
        complaintId: c.id,
      }),
    );
    await app.worker.drain();
    expect((await sink.waitFor((m) => m.messageId === messageId)).subject).toBe(`[${REF}] 我们已收到您的投诉`);
    await until(app.db, id, 'sent');
    const events = await auditFor(app.db, 'mail.sent', id);
    expect(events.map((e) => [e.subject_type, e.subject_id])).toEqual([['complaint', c.id]]);
  });

  it('retries after a 451 and delivers exactly once', async () => {
    const [app, sink] = await start({ failFirst: { count: 1, code: 451 } }, { MAIL_RETRY_BASE_MS: '500' });
    const to = `retry-${randomUUID()}@example.test`;
    const { id, messageId } = await app.db.transaction((tx) =>
      app.outbox.enqueue(tx, { template: 'complaint-receipt', locale: 'en', to, payload: receiptPayload() }),
    );
    await app.worker.drain();
    const backingOff = await job(app.db, id);
    expect(backingOff).toMatchObject({ state: 'pending', attempts: 1, later: true });
    expect(backingOff.last_error).toContain('451');

    await sink.waitFor((m) => m.messageId === messageId);
    const row = await until(app.db, id, 'sent');
    expect(row).toMatchObject({ state: 'sent', attempts: 2 });
    await app.worker.drain();
    expect(sink.messages.filter((m) => m.messageId === messageId)).toHaveLength(1);
    expect(sink.attempts).toBe(2);
    expect(await auditFor(app.db, 'mail.sent', id)).toHaveLength(1);
  });

  it('fails for good on a 550, visibly, and nothing arrives', async () => {
    const [app, sink] = await start({ failFirst: { count: 1000, code: 550 } });
    const to = `rejected-${randomUUID()}@example.test`;
    const { id, messageId } = await app.db.transaction((tx) =>
      app.outbox.enqueue(tx, { template: 'complaint-receipt', locale: 'en', to, payload: receiptPayload() }),
    );
    await app.worker.drain();
    const row = await until(app.db, id, 'failed');
    expect(row).toMatchObject({ state: 'failed', attempts: 1 });
    expect(row.last_error).toContain('550');
    const events = await auditFor(app.db, 'mail.failed', id);
    expect(events).toHaveLength(1);
    expect(events[0].payload).toMatchObject({ mailJobId: id, messageId, template: 'complaint-receipt', attempts: 1 });
    expect(JSON.stringify(events[0].payload)).not.toContain(to);
    expect(sink.attempts).toBe(1);
    expect(sink.messages).toHaveLength(0);
  });

  it('gives up after MAIL_MAX_ATTEMPTS transient failures', async () => {
    const [app, sink] = await start(
      { failFirst: { count: 1000, code: 451 } },
      { MAIL_MAX_ATTEMPTS: '3', MAIL_RETRY_BASE_MS: '10' },
    );
    const { id } = await app.db.transaction((tx) =>
      app.outbox.enqueue(tx, {
        template: 'complaint-receipt',
        locale: 'en',
        to: 'x@example.test',
        payload: receiptPayload(),
      }),
    );
    const row = await until(app.db, id, 'failed');
    expect(row).toMatchObject({ state: 'failed', attempts: 3 });
    expect(row.last_error).toContain('451');
    expect(await auditFor(app.db, 'mail.failed', id)).toHaveLength(1);
    expect(sink.attempts).toBe(3);
  });

  it('two instances draining 20 jobs deliver each exactly once', async () => {
    const [a, sink] = await start({});
    const b = await boot(sinkUrl);
    apps.push(b);
    // Small batches so the two instances interleave instead of one claiming everything.
    a.worker.batchSize = 3;
    b.worker.batchSize = 3;
    const spies = [a, b].map((app) => jest.spyOn(app.worker as unknown as { deliver: () => Promise<void> }, 'deliver'));
    const jobs = await a.db.transaction(async (tx) => {
      const out: Array<{ id: string; messageId: string }> = [];
      for (let i = 0; i < 20; i++) {
        out.push(
          await a.outbox.enqueue(tx, {
            template: 'complaint-receipt',
            locale: i % 2 ? 'en' : 'zh-CN',
            to: `bulk-${i}@example.test`,
            payload: receiptPayload(),
          }),
        );
      }
      return out;
    });
    await Promise.all([a.worker.drain(), b.worker.drain()]);
    for (const j of jobs) expect(await until(a.db, j.id, 'sent')).toMatchObject({ state: 'sent', attempts: 1 });

    const ids = new Set(jobs.map((j) => j.messageId));
    const received = sink.messages.filter((m) => m.messageId && ids.has(m.messageId)).map((m) => m.messageId);
    expect(received).toHaveLength(20);
    expect(new Set(received).size).toBe(20);
    expect(sink.attempts).toBe(20);
    const [perInstanceA, perInstanceB] = spies.map((s) => s.mock.calls.length);
    expect(perInstanceA + perInstanceB).toBe(20);
    expect(perInstanceA).toBeGreaterThan(0);
    expect(perInstanceB).toBeGreaterThan(0);
    const [{ n }] = await a.db.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM audit_event WHERE action = 'mail.sent' AND payload->>'mailJobId' = ANY($1)`,
      [jobs.map((j) => j.id)],
    );
    expect(n).toBe(20);
  });

  describe('local mailbox', () => {
    it('stores what it receives and shows it on /mailbox', async () => {
      const local = await startLocalSmtp(url, 0);
      try {
        expect(local.url).toMatch(/^smtp:\/\/127\.0\.0\.1:\d+$/);
        expect(local.url).not.toBe('smtp://127.0.0.1:0');
        const messageId = `<${randomUUID()}@news.example>`;
        const subject = `Local ${randomUUID()} "quoted"`;
        const transport = createTransport(local.url);
        await transport.sendMail({
          from: 'desk@news.example',
          to: ['one@example.test', 'two@example.test'],
          subject,
          messageId,
          text: 'Plain body here',
          html: '<p>HTML body</p><script>alert("x")</script>',
        });
        transport.close();
        const [row] = await (
          await rawDb()
        ).query<
          Array<{
            id: string;
            envelope_from: string;
            envelope_to: string[];
            subject: string;
            raw: string;
          }>
        >(`SELECT id, envelope_from, envelope_to, subject, raw FROM mailbox_message WHERE message_id = $1`, [
          messageId,
        ]);
        expect(row).toMatchObject({
          envelope_from: 'desk@news.example',
          envelope_to: ['one@example.test', 'two@example.test'],
          subject,
        });
        expect(row.raw).toContain('Plain body here');

        const app = await boot(local.url, { MAIL_WORKER: 'false' });
        apps.push(app);
        const server = app.getHttpServer();
        const list = await request(server).get('/mailbox?lang=en').expect(200);
        expect(list.text).toContain(`href="/mailbox/${row.id}"`);
        expect(list.text).toContain(subject.replace(/"/g, '&quot;'));
        const page = await request(server).get(`/mailbox/${row.id}`).expect(200);
        expect(page.text).toContain(
          '<iframe sandbox srcdoc="&lt;p&gt;HTML body&lt;/p&gt;&lt;script&gt;alert(&quot;x&quot;)',
        );
        expect(page.text).not.toContain('<script>alert');
        expect(page.text).toContain('Plain body here');
        expect(page.text).toContain(messageId.replace(/</g, '&lt;').replace(/>/g, '&gt;'));
        const raw = await request(server).get(`/mailbox/${row.id}/raw`).expect(200);
        expect(raw.headers['content-type']).toMatch(/^text\/plain/);
        expect(raw.text).toContain(`Message-ID: ${messageId}`);
        await request(server).get('/mailbox/not-a-number').expect(404);
        await request(server).get('/mailbox/999999999999').expect(404);
      } finally {
        await local.stop();
      }
      await expect(
        createTransport(local.url).sendMail({ from: 'a@b.c', to: 'd@e.f', text: 'x' }),
      ).rejects.toMatchObject({ code: 'ESOCKET' });
    });
  });

  let shared: DataSource | undefined;
  async function rawDb(): Promise<DataSource> {
    if (!shared) shared = await new DataSource(dataSourceOptions(url)).initialize();
    return shared;
  }
  afterAll(async () => {
    await shared?.destroy();
  });
});
