import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from './helpers/app';
import { apiToken } from './helpers/staff';

const OPEN = ['received', 'in_review', 'needs_info', 'escalated', 'counter_notice_review', 'appeal_review'];
const OPEN_SQL = `state IN (${OPEN.map((s) => `'${s}'`).join(', ')})`;

interface Item {
  reference: string;
  state: string;
  legalBasis: string;
  articleTitle: string;
  receivedAt: string;
  dueAt: string | null;
  overdue: boolean;
  timeLeft: { hours: number; workingDays: number; calendar: string } | null;
  assignee: { id: string; displayName: string } | null;
  version: number;
  duplicates: number;
}
interface Page {
  items: Item[];
  nextCursor: string | null;
  counts: Record<string, number>;
  countsCapped: string[];
  duplicates: number | null;
}

/**
 * The review queue against real PostgreSQL. Cases are written with SQL (states, assignees and
 * due times the intake cannot produce) under a tag of this run; their due times lie in 1990 or
 * 2100, so they sort around whatever other specs left in the shared database.
 */
describe('review queue (API and page, real PostgreSQL)', () => {
  let t: TestApp;
  let db: DataSource;
  const tag = `qt${Date.now().toString(36)}`;
  const TAG = tag.toUpperCase();
  let alice: string;
  let bob: string;

  // Alice (a moderator) signs the requests with her personal API token.
  let token = '';
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${t.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers }, redirect: 'manual' });
  const api = async (query: Record<string, string> = {}): Promise<Page> => {
    const res = await get(`/api/v1/queue?${new URLSearchParams(query).toString()}`);
    expect(res.status).toBe(200);
    return (await res.json()) as Page;
  };
  /** Follows nextCursor to the end; every page must be full except the last. */
  const walk = async (query: Record<string, string>, limit: number): Promise<string[]> => {
    const refs: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 1000; i++) {
      const page: Page = await api({ ...query, limit: String(limit), ...(cursor ? { cursor } : {}) });
      refs.push(...page.items.map((x) => x.reference));
      cursor = page.nextCursor;
      if (!cursor) return refs;
      expect(page.items).toHaveLength(limit);
    }
    throw new Error('the walk did not end');
  };
  /** The order the queue promises, computed independently. */
  const oracle = async (where = `article_title LIKE '${TAG}%'`): Promise<string[]> =>
    (
      await db.query<Array<{ reference: string }>>(
        `SELECT reference FROM complaint WHERE ${OPEN_SQL} AND ${where} ORDER BY due_at ASC NULLS LAST, id`,
      )
    ).map((r) => r.reference);

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    [{ id: alice }, { id: bob }] = await db.query<Array<{ id: string }>>(
      `INSERT INTO staff_user (email, display_name, role) VALUES ($1, 'Alice 审核', 'moderator'), ($2, 'Bob', 'admin') RETURNING id`,
      [`alice-${tag}@desk.test`, `bob-${tag}@desk.test`],
    );
    token = await apiToken(db, `alice-${tag}@desk.test`);
    const rows: Array<Record<string, unknown>> = [];
    // 24 open cases: four per open state, three legal bases, due in pairs (ties broken by id),
    // with microseconds (the cursor must keep them), some in 2100 (not overdue), two undated.
    for (let n = 0; n < 24; n++) {
      const state = OPEN[n % 6];
      const due =
        n < 16
          ? `1990-01-01T${String(Math.floor(n / 2)).padStart(2, '0')}:00:00.000123Z`
          : n < 22
            ? `2100-01-01T${String(n).padStart(2, '0')}:00:00.654321Z`
            : null;
      rows.push({
        reference: `${TAG}-${String(n).padStart(3, '0')}`,
        state,
        legal_basis: ['cn-copyright', 'accuracy', 'us-dmca'][n % 3],
        name: n % 4 === 0 ? `司马懿${n}` : `Person ${n}`,
        email: `p${n}.${tag}@example.test`,
        title: `${TAG} 测试文章 ${n % 5}`,
        due,
        assignee: state === 'received' ? null : [alice, bob, null][n % 3],
      });
    }
    // Decided and closed cases with the same tag never show.
    for (const [n, state] of ['closed', 'actioned', 'rejected', 'withdrawn', 'duplicate'].entries()) {
      rows.push({
        reference: `${TAG}-X${n}`,
        state,
        legal_basis: 'accuracy',
        name: `司马懿 closed`,
        email: `x${n}.${tag}@example.test`,
        title: `${TAG} closed`,
        due: '1990-01-01T00:00:00Z',
        assignee: null,
      });
    }
    await db.query(
      `INSERT INTO complaint (reference, state, legal_basis, locale, complainant, complainant_email, explanation, declarations,
                              tracking_token_hash, due_at, assignee_id, article_title, received_at)
       SELECT x.reference, x.state, x.legal_basis, 'zh-CN', jsonb_build_object('name', x.name, 'email', x.email), x.email,
              'queue spec', '{}'::jsonb, 'queue-' || x.reference, x.due::timestamptz, x.assignee::uuid, x.title,
              coalesce(x.due::timestamptz - interval '24 hours', now())
         FROM jsonb_to_recordset($1::jsonb) AS x(reference text, state text, legal_basis text, name text, email text, title text, due text, assignee text)`,
      [JSON.stringify(rows)],
    );
  });

  afterAll(async () => {
    await t?.close();
  });

  it('lists open cases only, due first (NULLS LAST, then id), with the documented item shape', async () => {
    const page = await api({ q: TAG });
    const expected = await oracle();
    expect(expected).toHaveLength(24);
    expect(page.items.map((i) => i.reference)).toEqual(expected);
    expect(page.nextCursor).toBeNull();
    expect(page.items.some((i) => i.reference.includes('-X'))).toBe(false);
    const first = page.items[0];
    expect(Object.keys(first).sort()).toEqual(
      [
        'articleTitle',
        'assignee',
        'dueAt',
        'duplicates',
        'legalBasis',
        'overdue',
        'receivedAt',
        'reference',
        'state',
        'timeLeft',
        'version',
      ].sort(),
    );
    expect(first).toMatchObject({ overdue: true, version: 1 });
    // Time left in the case's calendar: negative once overdue, null without a due time.
    expect(first.timeLeft?.hours).toBeLessThan(0);
    expect(page.items.filter((i) => !i.dueAt).every((i) => i.timeLeft === null)).toBe(true);
    expect(page.items.filter((i) => i.dueAt && !i.overdue).every((i) => (i.timeLeft?.hours ?? 0) > 0)).toBe(true);
    expect(first.articleTitle).toMatch(new RegExp(`^${TAG} 测试文章`));
    const dated = page.items.filter((i) => i.dueAt);
    expect(dated.map((i) => i.dueAt)).toEqual([...dated.map((i) => i.dueAt)].sort());
    expect(page.items.slice(-2).map((i) => i.dueAt)).toEqual([null, null]);
    expect(page.items.slice(-2).every((i) => !i.overdue)).toBe(true);
    expect(page.items.filter((i) => i.dueAt?.startsWith('2100')).every((i) => !i.overdue)).toBe(true);
    const withAlice = page.items.find((i) => i.assignee?.id === alice);
    expect(withAlice?.assignee).toEqual({ id: alice, displayName: 'Alice 审核' });
  });

  it('shows duplicates joined to open cases: per row, and as a count (without a search)', async () => {
    const [target] = await db.query<Array<{ id: string; reference: string }>>(
      `SELECT id, reference FROM complaint WHERE article_title LIKE '${TAG}%' AND state = 'in_review'
         AND assignee_id IS NOT NULL AND due_at < now() ORDER BY id LIMIT 1`,
    );
    await db.query(
      `INSERT INTO complaint (reference, state, legal_basis, locale, complainant, complainant_email, explanation, declarations,
                              tracking_token_hash, duplicate_of, article_title)
       SELECT '${TAG}-D' || n, 'duplicate', 'accuracy', 'en', '{"name":"Dup"}', 'dup.${tag}@example.test', 'queue spec', '{}',
              'queue-${TAG}-D' || n, $1, '${TAG} dup' FROM generate_series(1, 2) n`,
      [target.id],
    );
    const searched = await api({ q: TAG });
    expect(searched.items.find((i) => i.reference === target.reference)?.duplicates).toBe(2);
    expect(searched.items.filter((i) => i.reference !== target.reference).every((i) => i.duplicates === 0)).toBe(true);
    expect(searched.items.some((i) => i.reference.includes('-D'))).toBe(false);
    expect(searched.duplicates).toBeNull();
    const all = await api({ assignee: 'someone', overdue: 'true' });
    const [{ n }] = await db.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM complaint d JOIN complaint c ON c.id = d.duplicate_of
        WHERE d.state = 'duplicate' AND ${OPEN_SQL.replace(/\bstate\b/g, 'c.state')} AND c.assignee_id IS NOT NULL AND c.due_at < now()`,
    );
    // The target is claimed and overdue, so its two duplicates are in this count.
    expect(n).toBeGreaterThanOrEqual(2);
    expect(all.duplicates).toBe(n);
    const page = await (await get(`/staff/queue?q=${TAG}&lang=en`)).text();
    expect(page).toContain('+2 duplicate(s)');
    await db.query(`DELETE FROM complaint WHERE reference LIKE '${TAG}-D%'`);
  });

  it('counts per open state under the filters except state', async () => {
    const all = await api({ q: TAG });
    expect(all.counts).toEqual({
      received: 4,
      in_review: 4,
      needs_info: 4,
      escalated: 4,
      counter_notice_review: 4,
      appeal_review: 4,
    });
    expect(all.countsCapped).toEqual([]);
    const oneState = await api({ q: TAG, state: 'escalated' });
    expect(oneState.counts).toEqual(all.counts);
    expect(oneState.items.map((i) => i.state)).toEqual(['escalated', 'escalated', 'escalated', 'escalated']);
    const copyright = await api({ q: TAG, legalBasis: 'cn-copyright' });
    const [dbCounts] = await db.query<Array<Record<string, number>>>(
      `SELECT ${OPEN.map((s) => `count(*) FILTER (WHERE state = '${s}')::int AS ${s}`).join(', ')}
         FROM complaint WHERE article_title LIKE $1 AND legal_basis = 'cn-copyright'`,
      [`${TAG}%`],
    );
    expect(copyright.counts).toEqual(dbCounts);
    // Without a search the counts run on the whole queue (other specs' cases included).
    const [everything] = await db.query<Array<Record<string, number>>>(
      `SELECT ${OPEN.map((s) => `least(count(*) FILTER (WHERE state = '${s}'), 1000)::int AS ${s}`).join(', ')} FROM complaint`,
    );
    expect((await api()).counts).toEqual(everything);
  });

  it('filters by one or several states', async () => {
    const two = await api({ q: TAG, state: 'received,appeal_review' });
    expect(two.items.map((i) => i.reference)).toEqual(
      await oracle(`article_title LIKE '${TAG}%' AND state IN ('received', 'appeal_review')`),
    );
    expect(new Set(two.items.map((i) => i.state))).toEqual(new Set(['received', 'appeal_review']));
  });

  it('filters by legal basis, assignee (nobody, someone) and overdue', async () => {
    const basis = await api({ q: TAG, legalBasis: 'us-dmca' });
    expect(basis.items.map((i) => i.reference)).toEqual(
      await oracle(`article_title LIKE '${TAG}%' AND legal_basis = 'us-dmca'`),
    );
    const nobody = await api({ q: TAG, assignee: 'nobody' });
    expect(nobody.items.map((i) => i.reference)).toEqual(
      await oracle(`article_title LIKE '${TAG}%' AND assignee_id IS NULL`),
    );
    expect(nobody.items.every((i) => i.assignee === null)).toBe(true);
    const someone = await api({ q: TAG, assignee: 'someone' });
    expect(someone.items.map((i) => i.reference)).toEqual(
      await oracle(`article_title LIKE '${TAG}%' AND assignee_id IS NOT NULL`),
    );
    expect(someone.items.length + nobody.items.length).toBe(24);
    const overdue = await api({ q: TAG, overdue: 'true' });
    expect(overdue.items.map((i) => i.reference)).toEqual(
      await oracle(`article_title LIKE '${TAG}%' AND due_at < now()`),
    );
    expect(overdue.items).toHaveLength(16);
    expect(overdue.items.every((i) => i.overdue)).toBe(true);
    expect(Object.values(overdue.counts).reduce((a, b) => a + b, 0)).toBe(16);
    expect((await api({ q: TAG, overdue: 'false' })).items).toHaveLength(24);
  });

  it('assignee=me lists the caller’s own cases; the queue needs a signed-in staff member', async () => {
    const page = await api({ assignee: 'me', limit: '100' });
    expect(page.items.length).toBeGreaterThan(0);
    expect(page.items.every((i) => i.assignee?.id === alice)).toBe(true);
    expect(page.items.map((i) => i.reference)).toEqual(await oracle(`assignee_id = '${alice}'`));
    const anonymous = await fetch(`${t.baseUrl}/api/v1/queue?assignee=me`);
    expect(anonymous.status).toBe(401);
  });

  it('searches reference, complainant name and email, and article title, case-insensitively', async () => {
    const byName = await api({ q: '司马懿' });
    expect(byName.items.map((i) => i.reference)).toEqual(await oracle(`complainant->>'name' LIKE '司马懿%'`));
    expect(byName.items).toHaveLength(6);
    const byEmail = await api({ q: `p7.${tag}@EXAMPLE` });
    expect(byEmail.items.map((i) => i.reference)).toEqual([`${TAG}-007`]);
    const byTitle = await api({ q: `${tag} 测试文章 3` });
    expect(byTitle.items.map((i) => i.reference)).toEqual(await oracle(`article_title = '${TAG} 测试文章 3'`));
    const byRef = await api({ q: `${tag}-01` });
    expect(byRef.items.map((i) => i.reference).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `${TAG}-01${i}`));
    // LIKE wildcards in q are literal characters.
    expect((await api({ q: '%%%' })).items).toEqual([]);
    expect((await api({ q: `${TAG}_00` })).items).toEqual([]);
  });

  it('a one- or two-character q matches the start of the reference only', async () => {
    const [{ prefix }] = await db.query<Array<{ prefix: string }>>(
      `SELECT left(reference, 2) AS prefix FROM complaint WHERE reference = $1`,
      [`${TAG}-000`],
    );
    const short = await api({ q: prefix.toLowerCase(), limit: '100' });
    expect(short.items.length).toBeGreaterThan(0);
    expect(short.items.every((i) => i.reference.toUpperCase().startsWith(prefix))).toBe(true);
    // 司马 is in names, never at the start of a reference.
    expect((await api({ q: '司马' })).items).toEqual([]);
  });

  it('cursor pagination has no duplicates and no gaps, across ties and into the undated cases', async () => {
    const expected = await oracle();
    for (const limit of [1, 5, 7, 22, 23]) {
      expect([limit, await walk({ q: TAG }, limit)]).toEqual([limit, expected]);
    }
    // With a filter too, and over the whole queue (every spec's open cases).
    expect(await walk({ q: TAG, state: 'received,in_review,needs_info' }, 2)).toEqual(
      await oracle(`article_title LIKE '${TAG}%' AND state IN ('received', 'in_review', 'needs_info')`),
    );
    const everything = await oracle('true');
    expect(await walk({}, 9)).toEqual(everything);
    expect(new Set(everything).size).toBe(everything.length);
    // Walks page by page (limit 1 over the tagged set, 9 over every open case of the run): correctness, not
    // speed, and under a loaded machine a full run's queue took over the default minute (fresh-clone CI).
  }, 240_000);

  it('a case filed through the API is in the queue with its article title and first due time', async () => {
    const filer = `f${Date.now().toString(36)}`; // not the run's tag: this case must not join the tagged set
    const articles = (await (await get('/api/v1/articles?limit=1')).json()) as {
      items: Array<{ url: string; title: string }>;
    };
    const res = await fetch(`${t.baseUrl}/api/v1/complaints`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        legalBasis: 'eu-dsa',
        locale: 'en',
        complainant: { name: `Filer ${filer}`, email: `filer-${filer}@example.test` },
        items: [{ articleUrl: articles.items[0].url, kind: 'article' }],
        explanation: 'Illegal content in this article.',
        declarations: { truthful: true, goodFaith: true },
      }),
    });
    expect(res.status).toBe(201);
    const { reference } = (await res.json()) as { reference: string };
    const page = await api({ q: reference });
    expect(page.items).toHaveLength(1);
    const item = page.items[0];
    expect(item).toMatchObject({
      reference,
      state: 'received',
      legalBasis: 'eu-dsa',
      articleTitle: articles.items[0].title,
      overdue: false,
      assignee: null,
    });
    const hours = (Date.parse(item.dueAt as string) - Date.parse(item.receivedAt)) / 3600_000;
    expect(hours).toBeCloseTo(t.config.sla.firstReviewHours, 3);
    expect((await api({ q: `FILER ${filer}` })).items.map((i) => i.reference)).toEqual([reference]);
    expect((await api({ q: `filer-${filer}@` })).items.map((i) => i.reference)).toEqual([reference]);
  });

  it('next case: the unassigned received case due first, 204 when there is none', async () => {
    const res = await get('/api/v1/queue/next');
    expect(res.status).toBe(200);
    const [first] = await db.query<Array<{ reference: string }>>(
      `SELECT reference FROM complaint WHERE state = 'received' AND assignee_id IS NULL ORDER BY due_at ASC NULLS LAST, id LIMIT 1`,
    );
    expect(await res.json()).toEqual({ reference: first.reference });
    expect(first.reference).toBe(`${TAG}-000`);
    // Give every waiting case to Alice for a moment: nothing is left to take.
    // TypeORM answers an UPDATE with [rows, rowCount].
    const [waiting] = await db.query<[Array<{ id: string }>, number]>(
      `UPDATE complaint SET assignee_id = $1 WHERE state = 'received' AND assignee_id IS NULL RETURNING id`,
      [alice],
    );
    try {
      const none = await get('/api/v1/queue/next');
      expect(none.status).toBe(204);
      expect(await none.text()).toBe('');
    } finally {
      await db.query(`UPDATE complaint SET assignee_id = NULL WHERE id = ANY($1::uuid[])`, [waiting.map((w) => w.id)]);
    }
  });

  it.each([
    ['state=closed', 'state'],
    ['state=received,bogus', 'state'],
    ['legalBasis=gdpr', 'legalBasis'],
    ['assignee=everyone', 'assignee'],
    ['overdue=yes', 'overdue'],
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=ten', 'limit'],
    [`q=${'x'.repeat(201)}`, 'q'],
    ['cursor=!!!', 'cursor'],
    [`cursor=${Buffer.from('{"a":1}').toString('base64url')}`, 'cursor'],
    [`cursor=${Buffer.from('["yesterday","00000000-0000-4000-8000-000000000000"]').toString('base64url')}`, 'cursor'],
    [`cursor=${Buffer.from('["2026-01-01T00:00:00Z","not-a-uuid"]').toString('base64url')}`, 'cursor'],
  ])('422 for %s', async (query, field) => {
    const res = await get(`/api/v1/queue?${query}`);
    expect(res.status).toBe(422);
    const body = (await res.json()) as { code: string; details: Array<{ field: string }> };
    expect(body.code).toBe('VALIDATION');
    expect(body.details.map((d) => d.field)).toEqual([field]);
  });

  describe('the /staff/queue page', () => {
    it('renders the table, state chips with counts, overdue due times and the next-case link (Chinese first)', async () => {
      const res = await get(`/staff/queue?q=${TAG}`);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('<html lang="zh-CN">');
      expect(html).toContain('待处理案件');
      const refs = [...html.matchAll(/<tr data-reference="([^"]+)">/g)].map((m) => m[1]);
      expect(refs).toEqual(await oracle());
      expect(html).toContain(`href="/staff/complaints/${TAG}-000"`);
      expect(html).toMatch(/class="badge badge--escalated queue-badge" data-state="escalated">复核中</);
      expect(html).toContain('queue-due--overdue');
      expect(html).toMatch(/data-state="received">\s*已收到\s*<span class="queue-chip__count">4<\/span>/);
      expect(html).toMatch(/data-state="all">\s*全部未结\s*<span class="queue-chip__count">24<\/span>/);
      const [first] = await db.query<Array<{ reference: string }>>(
        `SELECT reference FROM complaint WHERE state = 'received' AND assignee_id IS NULL ORDER BY due_at, id LIMIT 1`,
      );
      expect(html).toContain(
        `<a class="btn btn--primary" href="/staff/complaints/${first.reference}" data-next-case>下一个案件</a>`,
      );
      expect(html).toContain('value="' + TAG + '"');
    });

    it('in English via the locale, and pages with a next link that carries the filters and the cursor', async () => {
      const res = await get(`/staff/queue?q=${TAG}&state=received,in_review&limit=3&lang=en`);
      const html = await res.text();
      expect(html).toContain('Review queue');
      expect(html).toContain('Next case');
      const next = /<a class="btn btn--secondary btn--small" href="([^"]+)" rel="next"/
        .exec(html)?.[1]
        .replace(/&amp;/g, '&')
        .replace(/&#x3D;/g, '=');
      expect(next).toMatch(/^\/staff\/queue\?/);
      const params = new URL(next as string, t.baseUrl).searchParams;
      expect(params.get('q')).toBe(TAG);
      expect(params.get('state')).toBe('received,in_review');
      expect(params.get('cursor')).toBeTruthy();
      const second = await (await get(next as string, { cookie: 'lang=en' })).text();
      const refs = [...second.matchAll(/<tr data-reference="([^"]+)">/g)].map((m) => m[1]);
      expect(refs).toEqual(
        (await oracle(`article_title LIKE '${TAG}%' AND state IN ('received', 'in_review')`)).slice(3, 6),
      );
      expect(second).toContain('Back to the first page');
    });

    it('re-renders with the inputs and a message for invalid filters (422)', async () => {
      const res = await get(`/staff/queue?state=closed&q=${TAG}`);
      expect(res.status).toBe(422);
      const html = await res.text();
      expect(html).toContain('状态只能是未结状态之一');
      expect(html).toContain('value="' + TAG + '"');
      expect(html).not.toContain('<tr data-reference=');
    });
  });
});
