import { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { runPipelined } from '../src/database/pipelined-transaction';
import { testDatabaseUrl } from './helpers/database';
import { startTestApp, TestApp } from './helpers/app';
import { createStaff, setCookies, signIn } from './helpers/staff';

/**
 * The public filing path does only what filing needs (issue 6, "intake at the speed of its
 * database"): one round trip to PostgreSQL per complaint, and no staff session machinery.
 */
describe('intake path (API, real PostgreSQL)', () => {
  let t: TestApp;
  let db: DataSource;
  let articleUrl: string;
  let seq = 0;
  /** Server round trips (ReadyForQuery messages) on the app's pool since the last reset. */
  let roundTrips = 0;

  const body = (email = `path-${process.pid}-${Date.now()}-${seq++}@example.test`) => ({
    legalBasis: 'eu-dsa',
    locale: 'en',
    complainant: { name: 'Path Test', email },
    items: [{ articleUrl, kind: 'article' }],
    explanation: 'This article contains illegal content.',
    declarations: { truthful: true, goodFaith: true },
  });
  const post = (b: unknown, headers: Record<string, string> = {}) =>
    fetch(`${t.baseUrl}/api/v1/complaints`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(b),
    });

  beforeAll(async () => {
    // No mail worker and no sealing during the test, so every query on the pool is the request's own.
    t = await startTestApp({ MAIL_WORKER: 'false', AUDIT_SEAL_MS: '3600000' });
    db = t.app.get(DataSource);
    const pool = (db.driver as unknown as { master: Pool }).master;
    const counted = new WeakSet<PoolClient>();
    pool.on('acquire', (client) => {
      if (counted.has(client)) return;
      counted.add(client);
      (client as unknown as { connection: NodeJS.EventEmitter }).connection.on('readyForQuery', () => roundTrips++);
    });
    const list = (await (await fetch(`${t.baseUrl}/api/v1/articles?limit=1`)).json()) as {
      items: Array<{ url: string }>;
    };
    articleUrl = list.items[0].url;
    // Warm: the article reference is cached after its first lookup.
    expect((await post(body())).status).toBe(201);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('files a complaint in one round trip to PostgreSQL (lock and statement pipelined, one transaction)', async () => {
    roundTrips = 0;
    const res = await post(body());
    expect(res.status).toBe(201);
    expect(roundTrips).toBe(1);
    const { reference } = (await res.json()) as { reference: string };
    const [row] = await db.query<Array<{ events: number; jobs: number; items: number }>>(
      `SELECT (SELECT count(*)::int FROM audit_event WHERE subject_id = c.id::text) AS events,
              (SELECT count(*)::int FROM mail_job WHERE complaint_id = c.id) AS jobs,
              (SELECT count(*)::int FROM complaint_item WHERE complaint_id = c.id) AS items
         FROM complaint c WHERE c.reference = $1`,
      [reference],
    );
    expect(row).toEqual({ events: 1, jobs: 2, items: 1 });
  });

  it('loads, refreshes and stores no staff session on the public filing route, while staff routes keep theirs', async () => {
    const staff = await createStaff(db, { role: 'moderator' });
    const session = await signIn(t.baseUrl, staff.email, staff.password);
    roundTrips = 0;
    const res = await post(body(), { cookie: session.cookie });
    expect(res.status).toBe(201);
    expect(setCookies(res)).not.toHaveProperty('nd_staff');
    expect(roundTrips).toBe(1);
    const { reference } = (await res.json()) as { reference: string };

    // The same cookie still opens the staff API, including the case route below /api/v1/complaints.
    const kase = await fetch(`${t.baseUrl}/api/v1/complaints/${reference}`, { headers: { cookie: session.cookie } });
    expect(kase.status).toBe(200);
    expect(setCookies(kase)).toHaveProperty('nd_staff');
    const anonymous = await fetch(`${t.baseUrl}/api/v1/complaints/${reference}`);
    expect(anonymous.status).toBe(401);
  });

  it('keeps duplicate detection race-free: simultaneous filings by one person make one case and duplicates', async () => {
    const who = `race-${process.pid}-${Date.now()}@example.test`;
    const results = await Promise.all(Array.from({ length: 8 }, () => post(body(who))));
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(201));
    const out = await Promise.all(results.map(async (r) => (await r.json()) as { reference: string; state: string }));
    // The API answers every filing alike (a duplicate is not revealed); the database tells them apart.
    expect(out.map((o) => o.state)).toEqual(Array(8).fill('received'));
    const rows = await db.query<Array<{ reference: string; state: string; earlier: string | null }>>(
      `SELECT c.reference, c.state, e.reference AS earlier
         FROM complaint c LEFT JOIN complaint e ON e.id = c.duplicate_of
        WHERE c.reference = ANY($1)`,
      [out.map((o) => o.reference)],
    );
    expect(rows).toHaveLength(8);
    const received = rows.filter((r) => r.state === 'received');
    expect(received).toHaveLength(1);
    for (const r of rows.filter((x) => x.state === 'duplicate')) expect(r.earlier).toBe(received[0].reference);
    expect(rows.filter((r) => r.state === 'duplicate')).toHaveLength(7);
  });

  it('stores the article as filed once per distinct content, and a new version when the article changes', async () => {
    type Item = { reference: string; sha: string; article_id: string };
    const items = async (refs: string[]) =>
      db.query<Item[]>(
        `SELECT c.reference, i.snapshot_sha256 AS sha, i.article_id FROM complaint c JOIN complaint_item i ON i.complaint_id = c.id
          WHERE c.reference = ANY($1) ORDER BY c.reference`,
        [refs],
      );
    const versions = async (articleId: string) =>
      (
        await db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM article_version WHERE article_id = $1`, [
          articleId,
        ])
      )[0].n;
    const file = async () => ((await (await post(body())).json()) as { reference: string }).reference;

    const [first] = await items([await file()]);
    const before = await versions(first.article_id);
    const [second] = await items([await file()]);
    expect(second.sha).toBe(first.sha);
    expect(await versions(first.article_id)).toBe(before);

    const [{ body: original }] = await db.query<Array<{ body: string }>>(`SELECT body FROM article WHERE id = $1`, [
      first.article_id,
    ]);
    try {
      await db.query(`UPDATE article SET body = body || ' (corrected)' WHERE id = $1`, [first.article_id]);
      // Filed at once against the changed article: every filing succeeds and one new version is stored.
      const results = await Promise.all(Array.from({ length: 6 }, () => post(body())));
      expect(results.map((r) => r.status)).toEqual(Array(6).fill(201));
      const refs = await Promise.all(results.map(async (r) => ((await r.json()) as { reference: string }).reference));
      const after = await items(refs);
      expect(new Set(after.map((i) => i.sha)).size).toBe(1);
      expect(after[0].sha).not.toBe(first.sha);
      expect(await versions(first.article_id)).toBe(before + 1);
      const [v] = await db.query<Array<{ body: string; sha: string }>>(
        `SELECT body, encode(sha256(convert_to(jsonb_build_array(title, body, images)::text, 'UTF8')), 'hex') AS sha
           FROM article_version WHERE article_id = $1 AND sha256 = $2`,
        [first.article_id, after[0].sha],
      );
      expect(v).toEqual({ body: `${original} (corrected)`, sha: after[0].sha });

      // The earlier case still shows the article as it stood when it was filed.
      const admin = await createStaff(db, { role: 'moderator' });
      const session = await signIn(t.baseUrl, admin.email, admin.password);
      const kase = (await (
        await fetch(`${t.baseUrl}/api/v1/complaints/${first.reference}`, { headers: { cookie: session.cookie } })
      ).json()) as { snapshots: Array<{ body: string; sha256: string }> };
      expect(kase.snapshots).toHaveLength(1);
      expect(kase.snapshots[0]).toMatchObject({ body: original, sha256: first.sha });
    } finally {
      await db.query(`UPDATE article SET body = $2 WHERE id = $1`, [first.article_id, original]);
    }
  });
});

describe('runPipelined (real PostgreSQL)', () => {
  let pool: Pool;

  beforeAll(async () => {
    pool = new Pool({ connectionString: testDatabaseUrl(), max: 1 });
    await pool.query(`CREATE TABLE IF NOT EXISTS pipeline_probe (n int PRIMARY KEY)`);
  });

  afterAll(async () => {
    await pool.query(`DROP TABLE IF EXISTS pipeline_probe`);
    await pool.end();
  });

  const insert = (n: number) => ({
    name: 'probe-insert',
    text: 'INSERT INTO pipeline_probe (n) VALUES ($1) RETURNING n, $2::text AS label',
    values: [n, `row ${n}`],
  });
  const count = async () =>
    (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM pipeline_probe`)).rows[0].n;

  it('returns each statement’s rows and commits them together', async () => {
    const rows = await runPipelined(pool, [
      { name: 'probe-lock', text: 'SELECT pg_advisory_xact_lock($1::bigint)', values: ['42'] },
      insert(1),
    ]);
    expect(rows).toEqual([[{ pg_advisory_xact_lock: '' }], [{ n: '1', label: 'row 1' }]]);
    expect(await count()).toBe(1);
  });

  it('rolls every statement back when a later one fails, and the connection stays usable', async () => {
    await expect(runPipelined(pool, [insert(2), insert(1)])).rejects.toThrow(/duplicate key/);
    expect(await count()).toBe(1);
    // A statement that fails to parse: the names of that pipeline are parsed afresh next time.
    await expect(runPipelined(pool, [insert(3), { name: 'probe-bad', text: 'SELEKT 1', values: [] }])).rejects.toThrow(
      /syntax error/,
    );
    expect(await count()).toBe(1);
    await runPipelined(pool, [insert(3)]);
    expect(await count()).toBe(2);
  });

  it('sends nothing when a value cannot be serialised', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(runPipelined(pool, [insert(4), { ...insert(5), values: [5, cyclic] }])).rejects.toThrow();
    expect(await count()).toBe(2);
    await runPipelined(pool, [insert(4)]);
    expect(await count()).toBe(3);
  });
});
