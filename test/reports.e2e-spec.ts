import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DataSource } from 'typeorm';
import { AuditSealer } from '../src/audit/audit-sealer.service';
import { parseCsv } from './helpers/csv';
import { startTestApp, TestApp } from './helpers/app';
import { apiToken, createStaff, signIn, StaffSession } from './helpers/staff';

interface CaseItem {
  reference: string;
  state: string;
  legalBasis: string;
  complainantName: string | null;
  complainantEmail: string;
  articleTitle: string;
  receivedAt: string;
  decider: { id: string; displayName: string } | null;
  href: string;
}
interface AuditItem {
  id: string;
  actorType: string;
  actorId: string | null;
  action: string;
  reference: string | null;
  legalBasis: string | null;
  payload: Record<string, unknown>;
  seal: { id: string; hash: string } | null;
}
interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * Admin reports against real PostgreSQL: all cases and the audit log (filters, keyset pages,
 * seals, streamed export). Fixtures are written with SQL under a tag of this run. The sealer's
 * timer is parked (an hour) so the spec decides which events are sealed.
 */
describe('reports: all cases and the audit log (API, real PostgreSQL)', () => {
  let t: TestApp;
  let db: DataSource;
  const tag = `rp${Date.now().toString(36)}`;
  const TAG = tag.toUpperCase();
  let admin: { id: string; email: string; password: string };
  let moderator: { id: string; email: string; password: string };
  let adminToken = '';
  let modToken = '';
  let adminSession: StaffSession;
  let articles: Array<{ id: string; slug: string; url: string }>;
  const ids: Record<string, string> = {};

  const get = (path: string, token = adminToken) =>
    fetch(`${t.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` }, redirect: 'manual' });
  const api = async <T>(path: string, query: Record<string, string>): Promise<Page<T>> => {
    const res = await get(`${path}?${new URLSearchParams(query).toString()}`);
    expect([res.status, path]).toEqual([200, path]);
    return (await res.json()) as Page<T>;
  };
  const walk = async <T>(path: string, query: Record<string, string>, limit: number): Promise<T[]> => {
    const out: T[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 500; i++) {
      const page: Page<T> = await api<T>(path, { ...query, limit: String(limit), ...(cursor ? { cursor } : {}) });
      out.push(...page.items);
      cursor = page.nextCursor;
      if (!cursor) return out;
      expect(page.items).toHaveLength(limit);
    }
    throw new Error('the walk did not end');
  };
  const refs = (items: CaseItem[]) => items.map((i) => i.reference).sort();

  // 12 cases: n = 0..11, received on 2020-03-(n+1) at noon (two share an instant to test the id tie-break).
  const STATES = ['received', 'in_review', 'actioned', 'rejected', 'withdrawn', 'restored'];
  const BASES = ['cn-copyright', 'accuracy', 'us-dmca'];
  const ref = (n: number) => `${TAG}-${String(n).padStart(3, '0')}`;

  beforeAll(async () => {
    t = await startTestApp({ AUDIT_SEAL_MS: '3600000', TIMER_WORKER: 'false' });
    db = t.app.get(DataSource);
    admin = await createStaff(db, { role: 'admin', displayName: `王管理 ${tag}` });
    moderator = await createStaff(db, { role: 'moderator', displayName: `Mo ${tag}` });
    adminToken = await apiToken(db, admin.email);
    modToken = await apiToken(db, moderator.email);
    adminSession = await signIn(t.baseUrl, admin.email, admin.password);
    articles = await db.query(`SELECT id, slug, url FROM article ORDER BY slug LIMIT 2`);
    expect(articles).toHaveLength(2);
    const rows = Array.from({ length: 12 }, (_, n) => ({
      reference: ref(n),
      state: STATES[n % 6],
      legal_basis: BASES[n % 3],
      name: n % 4 === 0 ? `诸葛亮${n}` : `Person ${n}`,
      email: `p${n}.${tag}@example.test`,
      title: `${TAG} 文章 ${n}`,
      received: `2020-03-${String(n === 11 ? 11 : n + 1).padStart(2, '0')}T12:00:00.123456Z`,
      decided_by: n % 6 >= 2 && n % 2 === 0 ? admin.id : n % 6 >= 2 ? moderator.id : null,
    }));
    const inserted = await db.query<Array<{ id: string; reference: string }>>(
      `INSERT INTO complaint (reference, state, legal_basis, locale, complainant, complainant_email, explanation, declarations,
                              tracking_token_hash, article_title, received_at, decided_by)
       SELECT x.reference, x.state, x.legal_basis, 'zh-CN', jsonb_build_object('name', x.name, 'email', x.email), x.email,
              'reports spec', '{}'::jsonb, 'reports-' || x.reference, x.title, x.received::timestamptz, x.decided_by::uuid
         FROM jsonb_to_recordset($1::jsonb) AS x(reference text, state text, legal_basis text, name text, email text,
                                                 title text, received text, decided_by text)
       RETURNING id, reference`,
      [JSON.stringify(rows)],
    );
    for (const r of inserted) ids[r.reference] = r.id;
    // Items: cases 0..5 name the first article, 6..11 the second.
    await db.query(
      `INSERT INTO complaint_item (complaint_id, position, kind, article_id, article_url)
       SELECT c.id, 1, 'article', a.id, a.url
         FROM complaint c JOIN article a ON a.id = CASE WHEN right(c.reference, 3)::int < 6 THEN $2::uuid ELSE $3::uuid END
        WHERE c.reference LIKE $1`,
      [`${TAG}-%`, articles[0].id, articles[1].id],
    );
  });

  afterAll(async () => {
    await t?.close();
  });

  describe('all cases', () => {
    it('lists every state, newest received first with the id breaking ties, and walks the keyset pages', async () => {
      const all = await walk<CaseItem>('/api/v1/cases', { reference: TAG }, 5);
      const oracle = (
        await db.query<Array<{ reference: string }>>(
          `SELECT reference FROM complaint WHERE reference LIKE $1 ORDER BY received_at DESC, id DESC`,
          [`${TAG}-%`],
        )
      ).map((r) => r.reference);
      expect(all.map((i) => i.reference)).toEqual(oracle);
      expect(oracle).toHaveLength(12);
      expect(new Set(all.map((i) => i.state))).toEqual(new Set(STATES));
      const decided = all.find((i) => i.reference === ref(2)) as CaseItem;
      expect(decided).toMatchObject({
        state: 'actioned',
        legalBasis: 'us-dmca',
        complainantEmail: `p2.${tag}@example.test`,
        decider: { id: admin.id, displayName: `王管理 ${tag}` },
        href: `/staff/complaints/${ref(2)}`,
      });
      // Page size 3 over the tied instant (cases 10 and 11) still gives every case once.
      expect((await walk<CaseItem>('/api/v1/cases', { reference: TAG }, 3)).map((i) => i.reference)).toEqual(oracle);
    });

    it('filters by reference, complainant, article, legal basis, state, decider and received dates', async () => {
      const q = async (query: Record<string, string>) =>
        refs((await api<CaseItem>('/api/v1/cases', { reference: TAG, limit: '200', ...query })).items);
      const expectRefs = (ns: number[]) => ns.map(ref).sort();
      expect(await q({ reference: ref(7) })).toEqual(expectRefs([7]));
      expect(await q({ complainant: '诸葛' })).toEqual(expectRefs([0, 4, 8]));
      expect(await q({ complainant: `P3.${tag.toUpperCase()}` })).toEqual(expectRefs([3]));
      // A whole address finds that address, in any case; a part of one finds every address holding it.
      expect(await q({ complainant: `P1.${TAG}@Example.TEST` })).toEqual(expectRefs([1]));
      expect(await q({ complainant: `1.${tag}@example.test` })).toEqual([]);
      expect(await q({ complainant: `1.${tag}@example` })).toEqual(expectRefs([1, 11]));
      expect(await q({ complainant: '@example.test' })).toHaveLength(12);
      expect(await q({ article: articles[1].slug })).toEqual(expectRefs([6, 7, 8, 9, 10, 11]));
      expect(await q({ article: articles[0].url })).toEqual(expectRefs([0, 1, 2, 3, 4, 5]));
      expect(await q({ legalBasis: 'accuracy' })).toEqual(expectRefs([1, 4, 7, 10]));
      expect(await q({ state: 'actioned,restored' })).toEqual(expectRefs([2, 5, 8, 11]));
      expect(await q({ decider: admin.id })).toEqual(expectRefs([2, 4, 8, 10]));
      expect(await q({ decider: `Mo ${tag}` })).toEqual(expectRefs([3, 5, 9, 11]));
      expect(await q({ from: '2020-03-03', to: '2020-03-05' })).toEqual(expectRefs([2, 3, 4]));
      expect(await q({ from: '2020-03-10T12:00:00.123456Z' })).toEqual(expectRefs([9, 10, 11]));
      expect(await q({ legalBasis: 'us-dmca', state: 'actioned' })).toEqual(expectRefs([2, 8]));
    });

    it('refuses bad filters with field errors (422)', async () => {
      const res = await get('/api/v1/cases?state=nope&legalBasis=x&from=yesterday&cursor=%%%&limit=0');
      expect(res.status).toBe(422);
      const body = (await res.json()) as { code: string; details: Array<{ field: string }> };
      expect(body.details.map((d) => d.field).sort()).toEqual(['cursor', 'from', 'legalBasis', 'limit', 'state']);
    });

    it('the page lists decided cases and links each to its case page, which opens', async () => {
      const res = await fetch(`${t.baseUrl}/staff/cases?reference=${ref(3)}`, {
        headers: { cookie: adminSession.cookie },
      });
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain(`href="/staff/complaints/${ref(3)}"`);
      const casePage = await fetch(`${t.baseUrl}/staff/complaints/${ref(3)}`, {
        headers: { cookie: adminSession.cookie },
      });
      expect(casePage.status).toBe(200);
      expect(await casePage.text()).toContain(ref(3));
    });
  });

  describe('audit log', () => {
    let sealed: string[] = [];
    let unsealed: string[] = [];

    beforeAll(async () => {
      // Seal whatever is there (staff creation, ...), then 6 events that get sealed, then 4 that do not.
      const sealer = t.app.get(AuditSealer);
      await sealer.sealNow();
      const add = async (n: number, offset: number) =>
        (
          await db.query<Array<{ id: string }>>(
            `INSERT INTO audit_event (occurred_at, actor_type, actor_id, action, subject_type, subject_id, payload)
             SELECT '2021-06-01T00:00:00Z'::timestamptz + (g || ' hours')::interval,
                    CASE WHEN g % 2 = 0 THEN 'admin' ELSE 'moderator' END,
                    CASE WHEN g % 2 = 0 THEN $1 ELSE $2 END,
                    CASE WHEN g % 3 = 0 THEN $3 ELSE $4 END,
                    'complaint', $5::jsonb ->> (g % 3), jsonb_build_object('n', g, 'note', '逗号, "引号"')
               FROM generate_series($6::int, $6::int + $7::int - 1) g ORDER BY g
             RETURNING id`,
            [
              admin.id,
              moderator.id,
              `${tag}.decide`,
              `${tag}.note`,
              JSON.stringify([ids[ref(0)], ids[ref(1)], ids[ref(2)]]),
              offset,
              n,
            ],
          )
        ).map((r) => r.id);
      sealed = await add(6, 0);
      // The sealer waits for older transactions still open elsewhere: seal until these six are in a seal.
      for (let i = 0; i < 100; i++) {
        await sealer.sealNow();
        const [{ n }] = await db.query<Array<{ n: number }>>(
          `SELECT count(*)::int AS n FROM audit_seal s, unnest(s.event_ids) AS x(eid) WHERE x.eid = ANY($1::bigint[])`,
          [sealed],
        );
        if (n === sealed.length) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      unsealed = await add(4, 6);
    });

    const tagged = { from: '2021-06-01', to: '2021-06-01' };
    const byAction = async (query: Record<string, string>) =>
      (
        await walk<AuditItem>('/api/v1/audit', { ...tagged, ...query }, 200).then((x) =>
          x.filter((e) => e.action.startsWith(tag)),
        )
      ).map((e) => Number((e.payload as { n: number }).n));

    it('lists the events newest first with the seal covering each, or none yet', async () => {
      const items = (await walk<AuditItem>('/api/v1/audit', tagged, 3)).filter((e) => e.action.startsWith(tag));
      expect(items.map((e) => e.id)).toEqual([...sealed, ...unsealed].sort((a, b) => Number(b) - Number(a)));
      for (const e of items) {
        if (unsealed.includes(e.id)) expect(e.seal).toBeNull();
        else {
          expect(e.seal).not.toBeNull();
          const [seal] = await db.query<Array<{ hash: string; holds: boolean }>>(
            `SELECT hash, $2::bigint = ANY(event_ids) AS holds FROM audit_seal WHERE id = $1`,
            [e.seal?.id, e.id],
          );
          expect(seal).toEqual({ hash: e.seal?.hash, holds: true });
        }
      }
      const first = items.find((e) => e.payload.n === 0) as AuditItem;
      expect(first).toMatchObject({
        actorType: 'admin',
        actorId: admin.id,
        reference: ref(0),
        legalBasis: 'cn-copyright',
      });
      expect(first.payload).toEqual({ n: 0, note: '逗号, "引号"' });
    });

    it('filters by actor, actor type, action, case reference, legal basis and time', async () => {
      expect((await byAction({ actor: admin.id })).sort((a, b) => a - b)).toEqual([0, 2, 4, 6, 8]);
      expect((await byAction({ actorType: 'moderator' })).sort((a, b) => a - b)).toEqual([1, 3, 5, 7, 9]);
      expect((await byAction({ action: `${tag}.decide` })).sort((a, b) => a - b)).toEqual([0, 3, 6, 9]);
      expect((await byAction({ reference: ref(1) })).sort((a, b) => a - b)).toEqual([1, 4, 7]);
      expect((await byAction({ legalBasis: 'us-dmca' })).sort((a, b) => a - b)).toEqual([2, 5, 8]);
      expect(
        (await byAction({ from: '2021-06-01T02:00:00Z', to: '2021-06-01T05:00:00Z' })).sort((a, b) => a - b),
      ).toEqual([2, 3, 4]);
      expect(await byAction({ actor: admin.id, action: `${tag}.decide`, reference: ref(0) })).toEqual([6, 0]);
    });

    it('the page shows a page of events with the next-page link keeping the filters, the export links, and 422 on bad filters', async () => {
      const page = async (path: string) => {
        const res = await fetch(`${t.baseUrl}${path}`, { headers: { cookie: adminSession.cookie } });
        return { status: res.status, html: await res.text() };
      };
      const first = await page(`/staff/audit?action=${tag}.note&limit=2&lang=en`);
      expect(first.status).toBe(200);
      expect((first.html.match(/<tr data-event="/g) ?? []).length).toBe(2);
      const next = /href="([^"]+)" rel="next"/
        .exec(first.html)?.[1]
        .replace(/&amp;/g, '&')
        .replace(/&#x3D;/g, '=') as string;
      expect(next).toContain(`action=${tag}.note`);
      expect(first.html).toContain(`href="/api/v1/audit/export?action&#x3D;${tag}.note&amp;format&#x3D;csv"`);
      expect(first.html).toContain('Not yet sealed');
      const second = await page(`${next}&limit=2`);
      expect((second.html.match(/<tr data-event="/g) ?? []).length).toBe(2);
      const idsOf = (html: string) => [...html.matchAll(/<tr data-event="(\d+)"/g)].map((m) => Number(m[1]));
      const shown = [...idsOf(first.html), ...idsOf(second.html)];
      expect(shown).toEqual([...shown].sort((a, b) => b - a));
      expect(new Set(shown).size).toBe(4);
      const bad = await page('/staff/audit?actorType=robot&from=never');
      expect(bad.status).toBe(422);
      expect(bad.html).toContain('data-field="actorType"');
      expect(bad.html).toContain('data-field="from"');
      expect((await page('/staff/cases?state=nope')).status).toBe(422);
    });

    it('exports the filtered set as CSV (escaped, Chinese intact) and as JSON, oldest first', async () => {
      const csvRes = await get(`/api/v1/audit/export?format=csv&from=2021-06-01&to=2021-06-01&action=${tag}.note`);
      expect(csvRes.status).toBe(200);
      expect(csvRes.headers.get('content-type')).toContain('text/csv');
      expect(csvRes.headers.get('content-disposition')).toMatch(/attachment; filename="audit-.*\.csv"/);
      const bytes = Buffer.from(await csvRes.arrayBuffer());
      // A UTF-8 byte order mark first, so spreadsheet programs read the Chinese right.
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const [header, ...rows] = parseCsv(bytes.subarray(3).toString('utf8'));
      expect(header).toEqual([
        'id',
        'occurred_at',
        'actor_type',
        'actor_id',
        'actor_name',
        'action',
        'subject_type',
        'subject_id',
        'reference',
        'legal_basis',
        'payload',
        'seal_id',
        'seal_hash',
      ]);
      expect(rows.map((r) => JSON.parse(r[10]) as { n: number }).map((p) => p.n)).toEqual([1, 2, 4, 5, 7, 8]);
      expect(JSON.parse(rows[0][10])).toEqual({ n: 1, note: '逗号, "引号"' });
      expect(rows[0][4]).toBe(`Mo ${tag}`);
      expect(rows.every((r) => r.length === 13)).toBe(true);
      expect(rows.filter((r) => r[11] === '').map((r) => (JSON.parse(r[10]) as { n: number }).n)).toEqual([7, 8]);

      const jsonRes = await get(`/api/v1/audit/export?format=json&from=2021-06-01&to=2021-06-01&action=${tag}.note`);
      expect(jsonRes.headers.get('content-type')).toContain('application/json');
      const events = (await jsonRes.json()) as AuditItem[];
      expect(events.map((e) => e.payload.n)).toEqual([1, 2, 4, 5, 7, 8]);

      const empty = await get(`/api/v1/audit/export?format=json&action=${tag}.none`);
      expect(await empty.json()).toEqual([]);
      expect((await get('/api/v1/audit/export?format=xml')).status).toBe(422);
    });

    it('escapes commas, quotes, newlines and Chinese in CSV fields, as a spreadsheet reads them back', async () => {
      const tricky = { text: 'a,b "c"\nline 2\r\n第三行，中文', n: -1 };
      await db.query(
        `INSERT INTO audit_event (occurred_at, actor_type, actor_id, action, subject_type, subject_id, payload)
         VALUES ('2021-07-01T00:00:00Z', 'system', 'x,"y"', $1, 'misc', '行,1', $2::jsonb)`,
        [`${tag}.tricky,"q"`, JSON.stringify(tricky)],
      );
      const res = await get(
        `/api/v1/audit/export?format=csv&from=2021-07-01&to=2021-07-01&action=${encodeURIComponent(`${tag}.tricky,"q"`)}`,
      );
      const [, row, ...rest] = parseCsv(await res.text());
      expect(rest).toEqual([]);
      expect(row[3]).toBe('x,"y"');
      expect(row[5]).toBe(`${tag}.tricky,"q"`);
      expect(row[7]).toBe('行,1');
      expect(JSON.parse(row[10])).toEqual(tricky);
    });
  });

  describe('export in constant memory', () => {
    /** Inserts n events under an action of their own; returns the action. */
    const generate = async (n: number): Promise<string> => {
      const action = `${tag}.bulk${n}`;
      await db.query(
        `INSERT INTO audit_event (occurred_at, actor_type, actor_id, action, subject_type, subject_id, payload)
         SELECT '2022-01-01T00:00:00Z'::timestamptz + (g || ' seconds')::interval, 'system', NULL, $1, 'bulk', g::text,
                jsonb_build_object('g', g, 'text', repeat('填充, "x"', 20))
           FROM generate_series(1, $2::int) g`,
        [action, n],
      );
      return action;
    };

    /** A full collection (V8's gc, exposed at run time), so the samples below count live memory only. */
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const live = () => {
      gc();
      return process.memoryUsage().heapUsed;
    };

    /**
     * Streams the export, counting CSV records without keeping the body; every 50 network chunks it
     * collects garbage and samples the live heap. Returns the rows and the largest live rise.
     */
    const exportMeasured = async (action: string): Promise<{ rows: number; peak: number }> => {
      const base = live();
      let peak = 0;
      const res = await get(`/api/v1/audit/export?format=csv&action=${action}`);
      expect(res.status).toBe(200);
      let rows = 0;
      let tail = '';
      let chunks = 0;
      const decoder = new TextDecoder();
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        // Every record ends with CRLF; CR LF inside the generated payloads never occurs.
        const s = tail + decoder.decode(chunk, { stream: true });
        const parts = s.split('\r\n');
        tail = parts.pop() ?? '';
        rows += parts.length;
        if (++chunks % 50 === 1) peak = Math.max(peak, live() - base);
      }
      return { rows: rows - 1, peak };
    };

    it('exports 2,000 and 20,000 events with every row, the heap not growing with the count', async () => {
      const small = await generate(2000);
      const large = await generate(20000);
      const s = await exportMeasured(small);
      const l = await exportMeasured(large);
      console.log(`export: live heap rise 2,000 events ${s.peak} B, 20,000 events ${l.peak} B`);
      expect(s.rows).toBe(2000);
      expect(l.rows).toBe(20000);
      // 20,000 rows are ~10 MB of CSV (and far more as row objects): holding them would show here.
      expect(l.peak).toBeLessThan(Math.max(s.peak, 0) + 8 * 1024 * 1024);
    }, 120_000);
  });

  describe('only admins', () => {
    const routes = [
      '/staff/cases',
      '/staff/audit',
      '/api/v1/cases',
      '/api/v1/audit',
      '/api/v1/audit/export?format=csv',
    ];

    it('refuses moderators (token and session) and the public on every route', async () => {
      const modSession = await signIn(t.baseUrl, moderator.email, moderator.password);
      for (const path of routes) {
        expect([path, (await get(path, modToken)).status]).toEqual([path, 403]);
        const viaSession = await fetch(`${t.baseUrl}${path}`, {
          headers: { cookie: modSession.cookie },
          redirect: 'manual',
        });
        expect([path, viaSession.status]).toEqual([path, 403]);
        const anon = await fetch(`${t.baseUrl}${path}`, { redirect: 'manual' });
        expect([path, path.startsWith('/staff') ? anon.status === 303 || anon.status === 302 : anon.status]).toEqual([
          path,
          path.startsWith('/staff') ? true : 401,
        ]);
        const asAdmin = await get(path, adminToken);
        expect([path, asAdmin.status]).toEqual([path, 200]);
        // Not read: the unfiltered export is every event of the run; the server must let go when the client does.
        await asAdmin.body?.cancel();
      }
    });
  });
});
