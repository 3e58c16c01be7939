import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AuditSealSpans1766900000000 } from '../migrations/1766900000000-AuditSealSpans';
import { AuditSealer } from '../src/audit/audit-sealer.service';
import { startTestApp, TestApp } from './helpers/app';
import { testDatabaseUrl } from './helpers/database';
import { apiToken, createStaff } from './helpers/staff';

interface AuditItem {
  id: string;
  action: string;
  payload: { n: number };
}

/**
 * A date range in the audit log takes its id bounds from the seals' spans and the unsealed tail
 * (migration 1766900000000). Every event of a range must still be found when ids and times
 * interleave: an event committed late with an early time, events not yet sealed, ranges open at
 * one end. The sealer's timer is parked (an hour) so the spec decides what is sealed.
 */
describe('audit log date ranges from seal spans (migration 1766900000000; API, real PostgreSQL)', () => {
  let t: TestApp;
  let db: DataSource;
  let sealer: AuditSealer;
  let token = '';
  const tag = `sp${Date.now().toString(36)}`;
  /** n -> occurred_at of each planted event, in the order they were written (id order). */
  const planted: Array<{ n: number; at: string }> = [];
  /** Seals before this spec's (the app's own events at start). */
  let priorSeal = '0';

  const add = async (events: Array<{ n: number; at: string }>) => {
    for (const e of events) {
      await db.query(
        `INSERT INTO audit_event (occurred_at, actor_type, action, subject_type, subject_id, payload)
         VALUES ($1, 'system', $2, 'test', $3, jsonb_build_object('n', $4::int))`,
        [e.at, `${tag}.event`, tag, e.n],
      );
      planted.push(e);
    }
  };
  const sealAll = async () => {
    for (let i = 0; i < 100; i++) {
      await sealer.sealNow();
      const [{ open }] = await db.query<Array<{ open: number }>>(
        `SELECT count(*)::int AS open FROM audit_event e WHERE e.action = $1
            AND NOT EXISTS (SELECT 1 FROM audit_seal s WHERE e.id = ANY(s.event_ids))`,
        [`${tag}.event`],
      );
      if (open === 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the planted events were not sealed');
  };
  const get = (path: string) => fetch(`${t.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  /** Every page of the log for a range (small pages, so the walk crosses seals), as the planted n's. */
  const listed = async (range: Record<string, string>): Promise<number[]> => {
    const out: number[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 200; i++) {
      const q = new URLSearchParams({ ...range, action: `${tag}.event`, limit: '2', ...(cursor ? { cursor } : {}) });
      const res = await get(`/api/v1/audit?${q.toString()}`);
      expect(res.status).toBe(200);
      const page = (await res.json()) as { items: AuditItem[]; nextCursor: string | null };
      out.push(...page.items.map((e) => e.payload.n));
      cursor = page.nextCursor;
      if (!cursor) return out.sort((a, b) => a - b);
    }
    throw new Error('the walk did not end');
  };
  const exported = async (range: Record<string, string>): Promise<number[]> => {
    const q = new URLSearchParams({ ...range, action: `${tag}.event`, format: 'json' });
    const res = await get(`/api/v1/audit/export?${q.toString()}`);
    expect(res.status).toBe(200);
    return ((await res.json()) as AuditItem[]).map((e) => e.payload.n).sort((a, b) => a - b);
  };
  /** What a range holds, from the planted times (from inclusive, to exclusive, as instants). */
  const expected = (from: string | undefined, to: string | undefined) =>
    planted
      .filter((e) => (!from || Date.parse(e.at) >= Date.parse(from)) && (!to || Date.parse(e.at) < Date.parse(to)))
      .map((e) => e.n)
      .sort((a, b) => a - b);
  /** This spec's seals whose span is not that of their events, computed afresh. */
  const spansDiffer = () =>
    db.query<Array<{ id: string }>>(
      `SELECT s.id FROM audit_seal s
         CROSS JOIN LATERAL (SELECT min(x) AS lo, max(x) AS hi, min(e.occurred_at) AS t0, max(e.occurred_at) AS t1
                               FROM unnest(s.event_ids) AS x JOIN audit_event e ON e.id = x) k
        WHERE s.id > $1 AND (s.first_id, s.last_id, s.first_at, s.last_at) IS DISTINCT FROM (k.lo, k.hi, k.t0, k.t1)`,
      [priorSeal],
    );
  const spans = () =>
    db.query<unknown[]>(`SELECT id, first_id, last_id, first_at, last_at FROM audit_seal WHERE id > $1 ORDER BY id`, [
      priorSeal,
    ]);

  beforeAll(async () => {
    t = await startTestApp({ AUDIT_SEAL_MS: '3600000', TIMER_WORKER: 'false', MAIL_WORKER: 'false' });
    db = t.app.get(DataSource);
    sealer = t.app.get(AuditSealer);
    const admin = await createStaff(db, { role: 'admin', displayName: `Span ${tag}` });
    token = await apiToken(db, admin.email);
    await sealAll();
    [{ priorSeal }] = await db.query<Array<{ priorSeal: string }>>(
      `SELECT coalesce(max(id), 0)::text AS "priorSeal" FROM audit_seal`,
    );
    // Sealed: five days in March 2019, then an event committed late with an early time (its id is
    // above every April event's neighbour in the seal before it), then three days in April.
    await add([1, 2, 3, 4, 5].map((d) => ({ n: d, at: `2019-03-0${d}T10:00:00Z` })));
    await sealAll();
    await add([
      { n: 6, at: '2019-04-01T10:00:00Z' },
      { n: 7, at: '2019-03-02T12:00:00Z' },
      { n: 8, at: '2019-04-02T10:00:00Z' },
      { n: 9, at: '2019-04-03T10:00:00Z' },
    ]);
    await sealAll();
    // Not sealed yet: another late one in March, one in May.
    await add([
      { n: 10, at: '2019-03-03T18:00:00Z' },
      { n: 11, at: '2019-05-01T10:00:00Z' },
    ]);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('every seal the sealer writes carries the span of its events', async () => {
    expect(await spansDiffer()).toEqual([]);
  });

  it.each([
    ['one day', { from: '2019-03-02', to: '2019-03-02' }, '2019-03-02T00:00:00Z', '2019-03-03T00:00:00Z'],
    ['three days', { from: '2019-03-01', to: '2019-03-03' }, '2019-03-01T00:00:00Z', '2019-03-04T00:00:00Z'],
    ['until the end of March (to only)', { to: '2019-03-31' }, undefined, '2019-04-01T00:00:00Z'],
    ['from April (from only)', { from: '2019-04-01' }, '2019-04-01T00:00:00Z', undefined],
    [
      'instants across two seals',
      { from: '2019-03-04T09:00:00Z', to: '2019-04-01T11:00:00Z' },
      '2019-03-04T09:00:00Z',
      '2019-04-01T11:00:00Z',
    ],
    ['a month with nothing', { from: '2019-06-01', to: '2019-06-30' }, '2019-06-01T00:00:00Z', '2019-07-01T00:00:00Z'],
  ])('%s: the pages and the export hold every event of the range', async (_label, range, from, to) => {
    const want = expected(from, to);
    expect(await listed(range)).toEqual(want);
    expect(await exported(range)).toEqual(want);
  });

  it('the late event with an early time is found once sealed, and the May event once sealed too', async () => {
    await sealAll();
    expect(await listed({ from: '2019-03-03', to: '2019-03-03' })).toEqual([3, 10]);
    expect(await listed({ from: '2019-05-01', to: '2019-05-01' })).toEqual([11]);
  });

  it('the migration backfills the span of every existing seal (down, then up) and the trigger keeps writing it', async () => {
    const before = await spans();
    expect(before.length).toBeGreaterThanOrEqual(2);
    const migration = new AuditSealSpans1766900000000();
    const q = db.createQueryRunner();
    await q.connect();
    try {
      // In a transaction, as migrate.ts runs each migration.
      await q.startTransaction();
      await migration.down(q);
      await q.commitTransaction();
      await q.startTransaction();
      const [{ n }] = (await q.query(
        `SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'audit_seal' AND column_name = 'first_at'`,
      )) as Array<{ n: number }>;
      expect(n).toBe(0);
      await migration.up(q);
      await q.commitTransaction();
    } finally {
      if (q.isTransactionActive) await q.rollbackTransaction();
      await q.release();
    }
    expect(await spans()).toEqual(before);
    // Seals still refuse changes after the backfill.
    await expect(
      db.query(`UPDATE audit_seal SET last_at = now() WHERE id = (SELECT max(id) FROM audit_seal)`),
    ).rejects.toThrow();
    await add([{ n: 12, at: '2019-03-02T13:00:00Z' }]);
    await sealAll();
    expect(await spansDiffer()).toEqual([]);
    expect(await listed({ from: '2019-03-02', to: '2019-03-02' })).toEqual([2, 7, 12]);
  });
  it('an event that commits after a later id was sealed (out of id order) is found by its date, before and after it is sealed', async () => {
    const older = new Client({ connectionString: testDatabaseUrl() });
    const late = new Client({ connectionString: testDatabaseUrl() });
    await older.connect();
    await late.connect();
    try {
      // The older transaction takes its xid first; the late one then takes an id, and keeps it
      // uncommitted while the older one writes a higher id and commits, and that id is sealed.
      await older.query('BEGIN');
      await older.query('SELECT pg_current_xact_id()');
      await late.query('BEGIN');
      const insert = (c: Client, n: number, at: string) =>
        c.query<{ id: string }>(
          `INSERT INTO audit_event (occurred_at, actor_type, action, subject_type, subject_id, payload)
           VALUES ($1, 'system', $2, 'test', $3, jsonb_build_object('n', $4::int)) RETURNING id::text AS id`,
          [at, `${tag}.event`, tag, n],
        );
      const [a] = (await insert(late, 13, '2019-03-02T15:00:00Z')).rows;
      const [b] = (await insert(older, 14, '2019-04-04T10:00:00Z')).rows;
      await older.query('COMMIT');
      planted.push({ n: 14, at: '2019-04-04T10:00:00Z' });
      expect(BigInt(b.id)).toBeGreaterThan(BigInt(a.id));
      let sealedB = false;
      for (let i = 0; i < 100 && !sealedB; i++) {
        await sealer.sealNow();
        const [r] = await db.query<Array<{ n: number }>>(
          `SELECT count(*)::int AS n FROM audit_seal WHERE $1::bigint = ANY(event_ids)`,
          [b.id],
        );
        sealedB = r.n === 1;
        if (!sealedB) await new Promise((r) => setTimeout(r, 100));
      }
      expect(sealedB).toBe(true);
      await late.query('COMMIT');
      planted.push({ n: 13, at: '2019-03-02T15:00:00Z' });
      const [{ lowWater }] = await db.query<Array<{ lowWater: string }>>(
        `SELECT low_water::text AS "lowWater" FROM audit_seal ORDER BY id DESC LIMIT 1`,
      );
      expect(BigInt(lowWater)).toBeLessThan(BigInt(a.id)); // the late event is in the unsealed tail
      const march2 = { from: '2019-03-02', to: '2019-03-02' };
      expect(await listed(march2)).toEqual([2, 7, 12, 13]);
      expect(await exported(march2)).toEqual([2, 7, 12, 13]);
      expect(await listed({ to: '2019-03-31' })).toEqual(expected(undefined, '2019-04-01T00:00:00Z'));
      await sealAll();
      expect(await spansDiffer()).toEqual([]);
      expect(await listed(march2)).toEqual([2, 7, 12, 13]);
      expect(await listed({ from: '2019-04-01' })).toEqual(expected('2019-04-01T00:00:00Z', undefined));
    } finally {
      await older.end();
      await late.end();
    }
  });
});
