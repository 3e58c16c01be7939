import { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { AuditModule } from '../src/audit/audit.module';
import { loadConfig } from '../src/config/config';
import { ConfigModule } from '../src/config/config.module';
import { dataSourceOptions } from '../src/database/data-source';
import { MailOutbox } from '../src/mail/mail-outbox';
import { MailWorker } from '../src/mail/mail-worker';
import { MailModule } from '../src/mail/mail.module';
import { migrate, testDatabaseUrl } from './helpers/database';
import { PgCluster } from './helpers/pg-cluster';
import { SinkOptions, SmtpSink } from './helpers/smtp-sink';

/**
 * Mail under injected faults: a connection dropped after DATA, a slow server, a send that never
 * ends, a worker killed mid-send, the database restarted between "250 OK" and the update, two
 * workers at once. Each test counts what was lost and what arrived twice.
 */
const url = testDatabaseUrl();

type App = NestExpressApplication & { worker: MailWorker; outbox: MailOutbox; db: DataSource };

function payload(reference = 'ND-2026-000888') {
  return {
    reference,
    trackingUrl: null, // minted at send time (mail-links.ts); these jobs have no case, so none
    legalBasis: 'us-dmca',
    complainantName: 'Jane Roe',
    receivedAt: new Date().toISOString(),
    items: [{ kind: 'article', articleTitle: 'Harbour', articleUrl: 'https://news.example/a/h', detail: null }],
    duplicateOfReference: null,
  };
}

async function boot(smtpUrl: string, env: Record<string, string> = {}, dbUrl = url): Promise<App> {
  const config = loadConfig({
    DATABASE_URL: dbUrl,
    SMTP_URL: smtpUrl,
    MAIL_FROM: 'Notice Desk <desk@news.example>',
    MAIL_WORKER: 'true',
    MAIL_POLL_MS: '100',
    MAIL_RETRY_BASE_MS: '100',
    LOG_LEVEL: 'error',
    ...env,
  });
  const moduleRef = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(config), TypeOrmModule.forRoot(dataSourceOptions(dbUrl)), AuditModule, MailModule],
  }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ logger: ['error'] });
  await app.init();
  return Object.assign(app, { worker: app.get(MailWorker), outbox: app.get(MailOutbox), db: app.get(DataSource) });
}

async function enqueue(app: App, n = 1): Promise<Array<{ id: string; messageId: string }>> {
  return app.db.transaction(async (tx) => {
    const out = [];
    for (let i = 0; i < n; i++)
      out.push(
        await app.outbox.enqueue(tx, {
          template: 'complaint-receipt',
          locale: 'en',
          to: `f-${randomUUID()}@example.test`,
          payload: payload(),
        }),
      );
    return out;
  });
}

interface JobRow {
  state: string;
  attempts: number;
  last_error: string | null;
}

/** Polls until the job is in `state`; database errors (it may be restarting) are waited out. */
async function until(
  db: DataSource,
  id: string,
  state: string,
  timeoutMs = 20000,
  minAttempts = 0,
): Promise<JobRow | undefined> {
  const deadline = Date.now() + timeoutMs;
  let row: JobRow | undefined;
  for (;;) {
    try {
      [row] = await db.query<JobRow[]>(`SELECT state, attempts, last_error FROM mail_job WHERE id = $1`, [id]);
    } catch {
      row = undefined;
    }
    if ((row?.state === state && row.attempts >= minAttempts) || Date.now() > deadline) return row;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function sentEvents(db: DataSource, id: string): Promise<number> {
  const [{ n }] = await db.query<Array<{ n: number }>>(
    `SELECT count(*)::int AS n FROM audit_event WHERE action = 'mail.sent' AND payload->>'mailJobId' = $1`,
    [id],
  );
  return n;
}

describe('mail under faults (e2e)', () => {
  const apps: App[] = [];
  const sinks: SmtpSink[] = [];

  beforeAll(async () => {
    await migrate(url);
    // Mail other specs left queued is parked, so the sinks here see only these tests' jobs.
    const db = await new DataSource(dataSourceOptions(url)).initialize();
    await db.query(`UPDATE mail_job SET next_attempt_at = now() + interval '100 years', locked_until = now() + interval '100 years'
                     WHERE state IN ('pending', 'sending')`);
    await db.destroy();
  });

  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    for (const s of sinks.splice(0)) await s.stop();
    // What a failed test left queued must not reach the next test's server.
    const db = await new DataSource(dataSourceOptions(url)).initialize();
    await db.query(`UPDATE mail_job SET next_attempt_at = now() + interval '100 years', locked_until = now() + interval '100 years'
                     WHERE state IN ('pending', 'sending')`);
    await db.destroy();
  });

  async function sink(options: SinkOptions = {}): Promise<[SmtpSink, string]> {
    const s = new SmtpSink();
    sinks.push(s);
    return [s, await s.start(options)];
  }

  async function start(smtpUrl: string, env?: Record<string, string>, dbUrl?: string): Promise<App> {
    const app = await boot(smtpUrl, env, dbUrl);
    apps.push(app);
    return app;
  }

  it('retries a message whose connection dropped after DATA (no reply), and delivers it once', async () => {
    const [s, smtpUrl] = await sink({ dropFirst: 1 });
    const app = await start(smtpUrl, { MAIL_RETRY_BASE_MS: '200' });
    const [{ id, messageId }] = await enqueue(app);

    const afterDrop = await until(app.db, id, 'pending', 20000, 1);
    expect(afterDrop).toMatchObject({ state: 'pending', attempts: 1 });
    expect(afterDrop?.last_error).toMatch(/socket close|closed|ECONNECTION/i);

    expect(await until(app.db, id, 'sent')).toMatchObject({ state: 'sent', attempts: 2 });
    expect(s.attempts).toBe(2);
    expect(s.count(messageId)).toBe(1);
    expect(await sentEvents(app.db, id)).toBe(1);
  });

  it('two workers and a server slower than the lease: every message sent once', async () => {
    // Each reply takes 4 leases; the claim is renewed while the send is in flight.
    const [s, smtpUrl] = await sink({ slowFirst: { count: 1000, delayMs: 1200 } });
    const env = { MAIL_LEASE_MS: '300', MAIL_SEND_TIMEOUT_MS: '10000' };
    const a = await start(smtpUrl, env);
    const b = await start(smtpUrl, env);
    a.worker.batchSize = 2;
    b.worker.batchSize = 2;
    const jobs = await enqueue(a, 4);
    for (const j of jobs) expect(await until(a.db, j.id, 'sent', 30000)).toMatchObject({ state: 'sent', attempts: 1 });

    const perMessage = jobs.map((j) => s.count(j.messageId));
    expect(perMessage).toEqual([1, 1, 1, 1]);
    expect(s.attempts).toBe(4);
    for (const j of jobs) expect(await sentEvents(a.db, j.id)).toBe(1);
  });

  it('gives up on a server silent for MAIL_SEND_TIMEOUT_MS and retries the message', async () => {
    const [s, smtpUrl] = await sink({ slowFirst: { count: 1, delayMs: 2500 } });
    const app = await start(smtpUrl, { MAIL_SEND_TIMEOUT_MS: '1000', MAIL_RETRY_BASE_MS: '200' });
    const [{ id, messageId }] = await enqueue(app);
    const row = await until(app.db, id, 'sent');
    expect(row).toMatchObject({ state: 'sent', attempts: 2 });
    // The first reply came after the client had hung up: the server got it, the worker could
    // not know. This is the one case where a message may arrive twice.
    await new Promise((r) => setTimeout(r, 1800));

    expect(s.repliesLost).toBe(1);
    expect(s.count(messageId)).toBe(1);
  });

  it("takes over a killed worker's mail within its lease, not minutes later", async () => {
    const [hung, hungUrl] = await sink({ slowFirst: { count: 1000, delayMs: 600_000 } });
    const leaseMs = 2000;
    const seed = await start(hungUrl, { MAIL_WORKER: 'false' });
    const [{ id, messageId }] = await enqueue(seed);

    // A real worker process (npm run worker), killed with SIGKILL while the server holds its DATA.
    const child: ChildProcess = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', join(__dirname, '..', 'src', 'worker.ts')],
      {
        env: {
          ...process.env,
          DATABASE_URL: url,
          SMTP_URL: hungUrl,
          MAIL_LEASE_MS: String(leaseMs),
          MAIL_POLL_MS: '100',
          LOG_LEVEL: 'error',
        },
        stdio: 'ignore',
      },
    );
    try {
      const deadline = Date.now() + 45000;
      while (hung.attempts === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(hung.attempts).toBe(1);
    } finally {
      child.kill('SIGKILL');
    }
    const killedAt = Date.now();

    const [s, smtpUrl] = await sink();
    const app = await start(smtpUrl);
    expect(await until(app.db, id, 'sent', 20000)).toMatchObject({ state: 'sent', attempts: 2 });
    const tookOverMs = Date.now() - killedAt;
    expect(tookOverMs).toBeLessThan(leaseMs + 3000);
    expect(s.count(messageId)).toBe(1);
    expect(hung.messages).toHaveLength(0);
    expect(await sentEvents(app.db, id)).toBe(1);
  }, 90000);

  describe('with its own PostgreSQL', () => {
    let cluster: PgCluster | undefined;
    let skip = '';

    beforeAll(async () => {
      const made = await PgCluster.create();
      if (typeof made === 'string') skip = made;
      else {
        cluster = made;
        await migrate(cluster.url);
      }
    }, 60000);

    afterAll(async () => {
      await cluster?.destroy();
    });

    it('records a message the server accepted while the database restarted, and never sends it again', async () => {
      if (!cluster) {
        if (process.env.CI) throw new Error(`cannot start a second PostgreSQL in CI: ${skip}`);
        console.warn(`skipped: ${skip}`);
        return;
      }
      const pg = cluster;
      let restarted: Promise<void> | undefined;
      // Between reading the message and answering 250, the database goes down (fast shutdown
      // cuts every connection); it comes back 2 s later.
      const [s, smtpUrl] = await sink({
        beforeAccept: async () => {
          if (restarted) return;
          await pg.stop();
          restarted = new Promise<void>((resolve, reject) => {
            setTimeout(() => void pg.start().then(resolve, reject), 2000);
          });
        },
      });
      const app = await start(smtpUrl, { MAIL_LEASE_MS: '15000' }, pg.url);
      const [{ id, messageId }] = await enqueue(app);

      await s.waitFor((m) => m.messageId === messageId);
      await restarted;
      expect(await until(app.db, id, 'sent', 20000)).toMatchObject({ state: 'sent', attempts: 1 });
      // Give a worker that lost the outcome time to send it again (it would, once the claim lapsed).
      await new Promise((r) => setTimeout(r, 1000));
      await app.worker.drain();
      expect(s.count(messageId)).toBe(1);
      expect(s.attempts).toBe(1);
      expect(await sentEvents(app.db, id)).toBe(1);
    }, 60000);
  });
});
