/**
 * `npm run bench:intake`: intake throughput against a running server, then the same inserts as
 * bare SQL transactions on the same database, and the ratio (STYLE.md: "count round trips").
 *
 *   INTAKE_RATE_LIMIT=0 npm start            # in another terminal (the limiter would answer 429)
 *   npm run bench:intake
 *
 * BENCH_URL (default http://127.0.0.1:3000, loopback only), DATABASE_URL (default: the embedded
 * database `npm start` uses), BENCH_REQUESTS (default 2000 per phase), BENCH_SECONDS (default 30
 * per phase), BENCH_CONCURRENCY (default 32). It writes real complaints, mail jobs and audit
 * events (which can never be deleted): run it on a development database only. Mail goes to
 * example.invalid, and the bare-SQL phase's mail jobs are due at 'infinity' so no worker sends them.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { Pool } from 'pg';
import { loadConfig } from '../../src/config/config';
import { EMBEDDED_DATABASE_URL } from '../../src/database/embedded-postgres';

const env = process.env;
const BASE = new URL(env.BENCH_URL ?? 'http://127.0.0.1:3000');
const REQUESTS = Number(env.BENCH_REQUESTS ?? 2000);
const SECONDS = Number(env.BENCH_SECONDS ?? 30);
const CONCURRENCY = Number(env.BENCH_CONCURRENCY ?? 32);
const RUN = `${Date.now().toString(36)}-${process.pid}`;

interface Figures {
  label: string;
  ok: number;
  errors: number;
  seconds: number;
  p50: number;
  p99: number;
  firstError?: string;
}

/** Runs `op` from CONCURRENCY loops until REQUESTS have started or SECONDS have passed. */
async function drive(label: string, op: (n: number) => Promise<void>): Promise<Figures> {
  const latencies: number[] = [];
  let started = 0;
  let errors = 0;
  let firstError: string | undefined;
  const t0 = performance.now();
  const deadline = t0 + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (started < REQUESTS && performance.now() < deadline) {
        const n = started++;
        const t = performance.now();
        try {
          await op(n);
          latencies.push(performance.now() - t);
        } catch (err) {
          errors++;
          firstError ??= err instanceof Error ? err.message : String(err);
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  return { label, ok: latencies.length, errors, seconds, p50: pct(50), p99: pct(99), firstError };
}

function print(f: Figures): void {
  const rate = f.ok / f.seconds;
  console.log(
    `${f.label.padEnd(26)} ${rate.toFixed(0).padStart(6)} req/s   p50 ${f.p50.toFixed(1).padStart(7)} ms   ` +
      `p99 ${f.p99.toFixed(1).padStart(7)} ms   ok ${f.ok}   errors ${f.errors}   (${f.seconds.toFixed(1)} s)`,
  );
  if (f.firstError) console.log(`${''.padEnd(26)} first error: ${f.firstError}`);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function request(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      new URL(path, BASE),
      {
        method,
        agent,
        headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {},
        timeout: 30_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout after 30 s')));
    req.on('error', reject);
    req.end(payload);
  });
}

function complaintBody(n: number, articleUrl: string) {
  return {
    legalBasis: 'eu-dsa',
    locale: 'en',
    complainant: { name: `Bench ${n}`, email: `bench-${RUN}-${n}@example.invalid` },
    items: [{ articleUrl, kind: 'article' }],
    explanation: 'Benchmark complaint: this statement about me is false and defamatory.',
    declarations: { truthful: true, goodFaith: true },
  };
}

async function httpPhase(articleUrl: string): Promise<Figures> {
  return drive('POST /api/v1/complaints', async (n) => {
    const res = await request('POST', '/api/v1/complaints', complaintBody(n, articleUrl));
    if (res.status !== 201) throw new Error(`HTTP ${res.status}: ${res.text.slice(0, 200)}`);
  });
}

const SQL = {
  complaint: `INSERT INTO complaint (reference, state, legal_basis, locale, complainant, complainant_email,
                explanation, declarations, tracking_token_hash, request_hash)
              VALUES ($1, 'received', 'eu-dsa', 'en', $2::jsonb, $3, $4, $5::jsonb, $6, $7) RETURNING id`,
  item: `INSERT INTO complaint_item (complaint_id, position, kind, article_id, article_url)
         VALUES ($1, 1, 'article', $2, $3)`,
  audit: `INSERT INTO audit_event (actor_type, action, subject_type, subject_id, payload)
          VALUES ('complainant', 'complaint.received', 'complaint', $1, $2::jsonb)`,
  mail: `INSERT INTO mail_job (id, template, locale, to_address, message_id, payload, complaint_id, next_attempt_at)
         VALUES (gen_random_uuid(), $1, 'en', $2, $3, $4::jsonb, $5, 'infinity')`,
  // Intake keeps the article as it stood at filing time; the same row here.
  snapshot: `INSERT INTO article_snapshot (complaint_id, article_id, title, body, images, sha256)
             SELECT $1, a.id, a.title, a.body, '[]'::jsonb, encode(sha256(convert_to(a.title || a.body, 'UTF8')), 'hex')
               FROM article a WHERE a.id = $2`,
};

async function sqlPhase(pool: Pool, article: { id: string; url: string }): Promise<Figures> {
  return drive('bare SQL transaction', async (n) => {
    const body = complaintBody(n, article.url);
    const email = body.complainant.email;
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ id: string }>(SQL.complaint, [
        `BENCH-${RUN}-${n}`,
        JSON.stringify(body.complainant),
        email,
        body.explanation,
        JSON.stringify({ ...body.declarations, perjury: false, signature: null }),
        randomBytes(32).toString('hex'),
        randomBytes(32).toString('hex'),
      ]);
      const id = rows[0].id;
      await client.query(SQL.item, [id, article.id, article.url]);
      await client.query(SQL.snapshot, [id, article.id]);
      const items = [{ kind: 'article', articleId: article.id, imageId: null }];
      await client.query(SQL.audit, [
        id,
        JSON.stringify({ channel: 'bench', legalBasis: 'eu-dsa', locale: 'en', items, files: [] }),
      ]);
      // Mail payloads of the size intake writes (names, items; links are minted at send time).
      const payload = JSON.stringify({
        legalBasis: 'eu-dsa',
        complainantName: body.complainant.name,
        items: [{ kind: 'article', articleTitle: 'x'.repeat(40), articleUrl: article.url, detail: null }],
        trackingUrl: null,
      });
      for (const template of ['complaint-receipt', 'complaint-notice']) {
        await client.query(SQL.mail, [template, email, `<bench-${RUN}-${n}-${template}@example.invalid>`, payload, id]);
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  });
}

async function main(): Promise<void> {
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(BASE.hostname)) {
    throw new Error(`BENCH_URL must be a loopback address (got ${BASE.hostname})`);
  }
  const list = await request('GET', '/api/v1/articles?limit=1');
  if (list.status !== 200)
    throw new Error(`GET /api/v1/articles answered ${list.status}: is the server up at ${BASE.origin}?`);
  const articleUrl = (JSON.parse(list.text) as { items: Array<{ url: string }> }).items[0]?.url;
  if (!articleUrl) throw new Error('GET /api/v1/articles returned no article');

  const probe = await request('POST', '/api/v1/complaints', complaintBody(-1, articleUrl));
  if (probe.status === 429) throw new Error('Rate limited (429): restart the server with INTAKE_RATE_LIMIT=0');
  if (probe.status !== 201) throw new Error(`A first complaint answered ${probe.status}: ${probe.text.slice(0, 300)}`);

  console.log(
    `bench:intake: ${CONCURRENCY} concurrent, up to ${REQUESTS} requests or ${SECONDS} s per phase, ${BASE.origin}`,
  );
  const viaHttp = await httpPhase(articleUrl);
  print(viaHttp);

  const pool = new Pool({ connectionString: loadConfig().databaseUrl ?? EMBEDDED_DATABASE_URL, max: CONCURRENCY });
  try {
    const [article] = (
      await pool.query<{ id: string; url: string }>(`SELECT id, url FROM article WHERE url = $1`, [articleUrl])
    ).rows;
    if (!article)
      throw new Error(`The article ${articleUrl} is not in DATABASE_URL's database: is it the server's database?`);
    const viaSql = await sqlPhase(pool, article);
    print(viaSql);
    const ratio = viaHttp.ok / viaHttp.seconds / (viaSql.ok / viaSql.seconds);
    console.log(`HTTP intake reaches ${(ratio * 100).toFixed(0)}% of the bare SQL rate (ratio ${ratio.toFixed(2)})`);
  } finally {
    await pool.end();
    agent.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(`bench:intake: ${err instanceof Error ? err.message : String(err)}`);
  agent.destroy();
  process.exitCode = 1;
});
