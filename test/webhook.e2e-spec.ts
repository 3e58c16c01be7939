import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { WebhookOutbox } from '../src/articles/webhook.service';
import type { AppConfig } from '../src/config/config';
import { startTestApp, TestApp } from './helpers/app';

const SECRET = 'whsec_test_0123456789abcdef';

interface Received {
  headers: IncomingHttpHeaders;
  raw: string;
  body: { id: string; event: string; createdAt: string; data: { mode?: string; articleId?: string } };
  status: number;
  at: number;
}

/** The receiver's side, as the comment on signWebhook tells a CMS to do it. */
function verify(secret: string, headers: IncomingHttpHeaders, raw: string, nowSeconds = Date.now() / 1000): boolean {
  const ts = String(headers['x-notice-desk-timestamp'] ?? '');
  const sig = String(headers['x-notice-desk-signature'] ?? '');
  if (!/^\d+$/.test(ts) || Math.abs(nowSeconds - Number(ts)) > 300) return false;
  const given = Buffer.from(sig.replace(/^sha256=/, ''), 'hex');
  const expected = createHmac('sha256', secret).update(`${ts}.${raw}`).digest();
  return sig.startsWith('sha256=') && given.length === expected.length && timingSafeEqual(given, expected);
}

describe('CMS webhook (real PostgreSQL, a real HTTP receiver)', () => {
  let t: TestApp;
  let db: DataSource;
  let outbox: WebhookOutbox;
  let cms: Server;
  const received: Received[] = [];

  beforeAll(async () => {
    // A CMS that answers per payload: mode "ok" 200, "flaky" 500 on the first try then 200, "down" 500 always.
    cms = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const body = JSON.parse(raw) as Received['body'];
        const tries = received.filter((r) => r.body.id === body.id).length;
        const status = body.data.mode === 'down' || (body.data.mode === 'flaky' && tries === 0) ? 500 : 200;
        received.push({ headers: req.headers, raw, body, status, at: Date.now() });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'boom');
      });
    });
    await new Promise<void>((resolve) => cms.listen(0, '127.0.0.1', resolve));
    const { port } = cms.address() as AddressInfo;
    t = await startTestApp({
      CMS_WEBHOOK_URL: `http://127.0.0.1:${port}/hooks/notice-desk`,
      CMS_WEBHOOK_SECRET: SECRET,
      MAIL_RETRY_BASE_MS: '100',
      MAIL_MAX_ATTEMPTS: '3',
    });
    db = t.app.get(DataSource);
    outbox = t.app.get(WebhookOutbox);
  });

  afterAll(async () => {
    await t?.close();
    await new Promise((resolve) => cms?.close(resolve));
  });

  const job = async (id: string) =>
    (
      await db.query<Array<{ state: string; attempts: number; last_error: string | null; sent_at: Date | null }>>(
        `SELECT state, attempts, last_error, sent_at FROM webhook_job WHERE id = $1`,
        [id],
      )
    )[0];

  async function until(id: string, state: string, ms = 15_000) {
    const end = Date.now() + ms;
    for (;;) {
      const row = await job(id);
      if (row?.state === state) return row;
      if (Date.now() > end) throw new Error(`webhook ${id} is ${row?.state}, not ${state}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const enqueue = (event: Parameters<WebhookOutbox['enqueue']>[1], data: Record<string, unknown>) =>
    db.transaction((tx) => outbox.enqueue(tx, event, data)) as Promise<string>;

  it('delivers a signed POST that the receiver can verify', async () => {
    const id = await enqueue('article.hidden', { mode: 'ok', articleId: 'a1', reference: 'ND-2026-000001' });
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const row = await until(id, 'sent');
    expect(row.attempts).toBe(1);
    expect(row.sent_at).not.toBeNull();
    const hits = received.filter((r) => r.body.id === id);
    expect(hits).toHaveLength(1);
    const [hit] = hits;
    expect(hit.headers['content-type']).toBe('application/json');
    expect(hit.headers['x-notice-desk-event']).toBe('article.hidden');
    expect(hit.headers['x-notice-desk-delivery']).toBe(id);
    expect(Math.abs(Number(hit.headers['x-notice-desk-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    expect(hit.headers['x-notice-desk-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verify(SECRET, hit.headers, hit.raw)).toBe(true);
    // The signature covers the timestamp and the exact body: any change, a wrong secret or a stale timestamp fails.
    expect(verify('another-secret', hit.headers, hit.raw)).toBe(false);
    expect(verify(SECRET, hit.headers, hit.raw.replace('a1', 'a2'))).toBe(false);
    expect(
      verify(
        SECRET,
        { ...hit.headers, 'x-notice-desk-timestamp': String(Number(hit.headers['x-notice-desk-timestamp']) + 1) },
        hit.raw,
      ),
    ).toBe(false);
    expect(verify(SECRET, hit.headers, hit.raw, Date.now() / 1000 + 301)).toBe(false);
    expect(hit.body.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(hit.body).toEqual({
      id,
      event: 'article.hidden',
      createdAt: hit.body.createdAt,
      data: { mode: 'ok', articleId: 'a1', reference: 'ND-2026-000001' },
    });
  });

  it('a 500 then a 200: delivered once, on the second attempt, after a backoff', async () => {
    const id = await enqueue('image.hidden', { mode: 'flaky', articleId: 'a2', imageId: 'i2' });
    const row = await until(id, 'sent');
    expect(row.attempts).toBe(2);
    expect(row.last_error).toBeNull();
    const hits = received.filter((r) => r.body.id === id);
    expect(hits.map((h) => h.status)).toEqual([500, 200]);
    expect(hits[1].at - hits[0].at).toBeGreaterThanOrEqual(90); // MAIL_RETRY_BASE_MS = 100
    // Each attempt is signed afresh and carries the same delivery id, for the receiver to deduplicate.
    for (const h of hits) {
      expect(verify(SECRET, h.headers, h.raw)).toBe(true);
      expect(h.headers['x-notice-desk-delivery']).toBe(id);
    }
  });

  it('a receiver that keeps failing: failed after MAIL_MAX_ATTEMPTS, and the failure is audited', async () => {
    const id = await enqueue('article.corrected', { mode: 'down', articleId: 'a3' });
    const row = await until(id, 'failed');
    expect(row.attempts).toBe(3);
    expect(row.last_error).toContain('HTTP 500');
    expect(received.filter((r) => r.body.id === id)).toHaveLength(3);
    const events = await db.query<Array<{ action: string }>>(
      `SELECT action FROM audit_event WHERE subject_type = 'webhook' AND subject_id = $1`,
      [id],
    );
    expect(events.map((e) => e.action)).toEqual(['webhook.failed']);
  });

  it('a webhook is queued in the caller’s transaction: rolled back, it is never sent', async () => {
    let queued: string | null = null;
    await expect(
      db.transaction(async (tx) => {
        queued = await outbox.enqueue(tx, 'article.shown', { mode: 'ok', articleId: 'a4' });
        throw new Error('the remedy failed');
      }),
    ).rejects.toThrow('the remedy failed');
    expect(queued).not.toBeNull();
    expect(await job(queued as unknown as string)).toBeUndefined();
  });

  it('without CMS_WEBHOOK_URL, enqueue does nothing', async () => {
    const off = new WebhookOutbox({ cmsWebhookUrl: undefined } as AppConfig);
    const before = await db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM webhook_job`);
    await db.transaction(async (tx) => expect(await off.enqueue(tx, 'image.shown', { imageId: 'x' })).toBeNull());
    expect(await db.query(`SELECT count(*)::int AS n FROM webhook_job`)).toEqual(before);
  });
});
