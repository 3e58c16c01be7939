import { DataSource } from 'typeorm';
import { loadReportFixture } from './factories/report-fixture';
import { ComplaintsService } from '../src/complaints/complaints.service';
import { parseCsv } from './helpers/csv';
import { startTestApp, TestApp } from './helpers/app';
import { signIn, StaffSession, tokenStaff, TokenStaff } from './helpers/staff';
import { createStaff } from './helpers/staff';

interface SectionJson {
  section: string;
  period: { firstDay: string; lastDay: string };
  columns: Array<{ key: string; unit: string }>;
  rows: Array<Record<string, string | number | null>>;
}

/** The figures of a section by row key, without the label. */
const figures = (s: SectionJson) =>
  Object.fromEntries(
    s.rows.map((r) => {
      const { key, label, ...values } = r;
      void label;
      return [key as string, values];
    }),
  );

/**
 * The period reports against real PostgreSQL, on a fixture whose answers are worked out by hand:
 * cases and their audit events written with set timestamps in March 2021 (no public holiday in
 * China or the US that month, so working days are weekdays), milestones filled by the migration's
 * backfill from those events. Then: the transition code sets the same milestones on a live case,
 * every figure agrees between the JSON, the page's table and chart and the CSV, and only admins
 * get any of it.
 */
describe('reports: period figures (API, page, exports)', () => {
  let t: TestApp;
  let db: DataSource;
  let admin: TokenStaff;
  let mod1: TokenStaff;
  let mod2: TokenStaff;
  let adminSession: StaffSession;
  let adminUser: { email: string; password: string };
  const MARCH = 'kind=month&month=2021-03';
  const ids: Record<string, string> = {};

  const get = (path: string, token = admin.token) =>
    fetch(`${t.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` }, redirect: 'manual' });
  const json = async <T>(path: string): Promise<T> => {
    const res = await get(path);
    expect([path, res.status]).toEqual([path, 200]);
    return (await res.json()) as T;
  };
  const section = (name: string, q = MARCH) => json<SectionJson>(`/api/v1/reports/${name}?${q}`);

  beforeAll(async () => {
    t = await startTestApp({ TIMER_WORKER: 'false', AUDIT_SEAL_MS: '3600000', LOG_LEVEL: 'error' });
    db = t.app.get(DataSource);
    admin = await tokenStaff(db, 'admin', '管理员甲');
    mod1 = await tokenStaff(db, 'moderator', 'Mod One');
    mod2 = await tokenStaff(db, 'moderator', '审核员乙');
    const u = await createStaff(db, { role: 'admin', displayName: 'Page Admin' });
    adminUser = u;
    adminSession = await signIn(t.baseUrl, u.email, u.password);
    Object.assign(ids, await loadReportFixture(db, { admin, mod1, mod2 }));
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  it('backfills the milestones from the audit events (the first of each kind)', async () => {
    const rows = await db.query<Array<Record<string, unknown>>>(
      `SELECT reference, channel, decided_state, appeal_outcome, appeal_reversed, first_reviewed_by, first_decided_by,
              to_char(first_reviewed_at AT TIME ZONE 'Asia/Shanghai', 'MM-DD HH24:MI') AS reviewed,
              to_char(decided_at AT TIME ZONE 'Asia/Shanghai', 'MM-DD HH24:MI') AS decided
         FROM complaint WHERE reference IN ('FIG-B', 'FIG-D', 'FIG-F') ORDER BY reference`,
    );
    expect(rows).toEqual([
      {
        reference: 'FIG-B',
        channel: 'api',
        decided_state: 'rejected',
        appeal_outcome: 'rejected',
        appeal_reversed: false,
        first_reviewed_by: mod2.id,
        first_decided_by: mod2.id,
        reviewed: '03-02 14:00',
        decided: '03-05 10:00',
      },
      {
        reference: 'FIG-D',
        channel: 'mail',
        decided_state: 'rejected',
        appeal_outcome: 'actioned',
        appeal_reversed: true,
        first_reviewed_by: mod2.id,
        first_decided_by: mod2.id,
        reviewed: '03-08 17:00',
        decided: '03-09 19:00',
      },
      {
        reference: 'FIG-F',
        channel: 'form',
        decided_state: 'duplicate',
        appeal_outcome: null,
        appeal_reversed: null,
        first_reviewed_by: null,
        first_decided_by: null,
        reviewed: null,
        decided: '03-09 10:00',
      },
    ]);
  });

  it('counts complaints received by legal basis, kind of item, channel and week', async () => {
    expect(figures(await section('by-basis'))).toEqual({
      'cn-copyright': { complaints: 3 },
      'cn-personal-rights': { complaints: 1 },
      'us-dmca': { complaints: 1 },
      'eu-dsa': { complaints: 0 },
      accuracy: { complaints: 1 },
    });
    // The first quarter also holds G (February); H (April) is in neither.
    expect(figures(await section('by-basis', 'kind=quarter&year=2021&quarter=1'))['eu-dsa']).toEqual({ complaints: 1 });
    expect(figures(await section('by-item-kind'))).toEqual({
      article: { items: 4, complaints: 4 },
      image: { items: 2, complaints: 2 },
      passage: { items: 1, complaints: 1 },
    });
    expect(figures(await section('by-channel'))).toEqual({
      form: { complaints: 3 },
      api: { complaints: 2 },
      mail: { complaints: 1 },
    });
    const weeks = await section('by-week');
    expect(weeks.rows.map((r) => [r.key, r.complaints])).toEqual([
      ['2021-03-01', 3],
      ['2021-03-08', 3],
      ['2021-03-15', 0],
      ['2021-03-22', 0],
      ['2021-03-29', 0],
    ]);
  });

  it('counts outcomes, remedies of upheld cases, legal process and appeals', async () => {
    expect(figures(await section('outcomes'))).toEqual({
      actioned: { cases: 3 },
      rejected: { cases: 2 },
      duplicate: { cases: 1 },
      not_processed: { cases: 0 },
      withdrawn: { cases: 1 },
      restored: { cases: 1 },
    });
    // D's image remedy came on appeal: its first decision was a rejection, so it is not counted.
    expect(figures(await section('upheld-by-remedy'))).toEqual({
      remove_article: { items: 1 },
      remove_image: { items: 0 },
      edit_passage: { items: 1 },
      add_correction: { items: 1 },
      add_attribution: { items: 0 },
      no_action: { items: 0 },
    });
    expect(figures(await section('legal-process'))).toEqual({
      counter_notices_filed: { cases: 2 },
      counter_notices_valid: { cases: 1 },
      counter_notices_invalid: { cases: 1 },
      counter_notices_incomplete: { cases: 0 },
      restorations: { cases: 1 },
      litigation_holds: { cases: 1 },
    });
    expect(figures(await section('appeals'))).toEqual({
      filed: { cases: 2, share_of_decided: null },
      decided: { cases: 2, share_of_decided: null },
      reversed: { cases: 1, share_of_decided: 0.5 },
    });
  });

  it('gives medians and 90th percentiles in hours and working days', async () => {
    // Decisions (staff, in March): A 24 h, D 34 h, B 72 h, C 72 h, G 100 h → median 72,
    // p90 = 72 + 0.6 × (100 − 72) = 88.8. Working days: A 1, D 1, C 1 (US: Thu → Sun in New York),
    // G 2 (Fri → Tue), B 3 → median 1, p90 = 2 + 0.6 × 1 = 2.6. F (a duplicate at intake) is left out.
    // First review: 2, 4, 6, 8 h → 5 and 6 + 0.7 × 2 = 7.4; working days 0, 0, 0 and C's 1 → 0 and 0.7.
    // Receipt mails: 0.1, 0.2, 0.5 h → 0.2 and 0.2 + 0.8 × 0.3 = 0.44. Restoration: C, 15 days, 11 US working days.
    expect(figures(await section('times'))).toEqual({
      receipt_mail: { cases: 3, median_hours: 0.2, p90_hours: 0.44, median_working_days: 0, p90_working_days: 0 },
      first_review: { cases: 4, median_hours: 5, p90_hours: 7.4, median_working_days: 0, p90_working_days: 0.7 },
      decision: { cases: 5, median_hours: 72, p90_hours: 88.8, median_working_days: 1, p90_working_days: 2.6 },
      restoration: { cases: 1, median_hours: 360, p90_hours: 360, median_working_days: 11, p90_working_days: 11 },
    });
  });

  it('counts cases past their due time by state and by moderator, and the workload per moderator', async () => {
    expect(figures(await section('overdue-by-state'))).toEqual({ in_review: { cases: 2 }, received: { cases: 1 } });
    const byMod = await section('overdue-by-moderator');
    expect(byMod.rows.map((r) => [r.key, r.label, r.cases]).sort()).toEqual(
      [
        [mod1.id, 'Mod One', 1],
        [mod2.id, '审核员乙', 1],
        ['', '无人负责', 1],
      ].sort(),
    );
    // From the milestones: mod1 first reviewed A and C and first decided them (24 h, 72 h → 48);
    // mod2 first reviewed B and D (G in February) and first decided B 72, D 34, G 100 → 72. The
    // admin decided two appeals only: appeal decisions are not workload here.
    expect(figures(await section('workload'))).toEqual({
      [mod1.id]: { claimed: 2, decided: 2, median_hours_to_decide: 48 },
      [mod2.id]: { claimed: 2, decided: 3, median_hours_to_decide: 72 },
    });
  });

  it('shows the same figure in the JSON, the table, the chart and the CSV of every section', async () => {
    const all = await json<{ sections: SectionJson[] }>(`/api/v1/reports?${MARCH}&lang=en`);
    expect(all.sections.map((s) => s.section)).toHaveLength(12);
    const page = await fetch(`${t.baseUrl}/staff/reports?${MARCH}&lang=en`, {
      headers: { cookie: adminSession.cookie },
    });
    expect(page.status).toBe(200);
    const html = await page.text();
    let checked = 0;
    for (const s of all.sections) {
      const part = html.slice(html.indexOf(`data-section="${s.section}"`));
      const body = part.slice(0, part.indexOf('</section>'));
      const csvRes = await fetch(`${t.baseUrl}/staff/reports/${s.section}.csv?${MARCH}&lang=en`, {
        headers: { cookie: adminSession.cookie },
      });
      expect([s.section, csvRes.status, csvRes.headers.get('content-type')]).toEqual([
        s.section,
        200,
        'text/csv; charset=utf-8',
      ]);
      const csv = parseCsv(await csvRes.text());
      expect(csv[0]).toEqual(['key', 'label', ...s.columns.map((c) => c.key)]);
      expect(csv).toHaveLength(s.rows.length + 1);
      const jsonExport = (await (
        await fetch(`${t.baseUrl}/staff/reports/${s.section}.json?${MARCH}&lang=en`, {
          headers: { cookie: adminSession.cookie },
        })
      ).json()) as SectionJson;
      expect(jsonExport.rows).toEqual(s.rows);
      const apiCsv = await (await get(`/api/v1/reports/${s.section}.csv?${MARCH}&lang=en`)).text();
      expect(parseCsv(apiCsv)).toEqual(csv);
      for (const [i, row] of s.rows.entries()) {
        const key = String(row.key);
        expect(csv[i + 1].slice(0, 2)).toEqual([key, row.label]);
        const tr = new RegExp(`<tr data-key="${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}">(.*?)</tr>`, 's').exec(
          body,
        );
        expect([s.section, key, !!tr]).toEqual([s.section, key, true]);
        for (const [j, col] of s.columns.entries()) {
          const v = row[col.key] === null ? '' : String(row[col.key]);
          expect([s.section, key, col.key, csv[i + 1][j + 2]]).toEqual([s.section, key, col.key, v]);
          const cell = new RegExp(`<td class="figures__num" data-col="${col.key}" data-value="([^"]*)">`).exec(tr![1]);
          expect([s.section, key, col.key, cell?.[1]]).toEqual([s.section, key, col.key, v]);
          checked++;
        }
        const drawn = [
          ...body.matchAll(
            /<g class="chart__datum" data-key="([^"]*)" data-series="([^"]*)" data-value="([^"]*)">\s*<title>([^<]*)<\/title>/g,
          ),
        ]
          .filter((m) => m[1].replace(/&#x3D;|&amp;/g, (e) => (e === '&amp;' ? '&' : '=')) === key)
          .map((m) => [m[2], m[3]]);
        const series =
          s.section === 'times'
            ? ['median_hours', 'p90_hours']
            : s.section === 'workload'
              ? ['claimed', 'decided']
              : s.section === 'by-item-kind'
                ? ['items', 'complaints']
                : [s.columns[0].key];
        expect([s.section, key, drawn]).toEqual([s.section, key, series.map((c) => [c, String(row[c] ?? 0)])]);
      }
    }
    expect(checked).toBeGreaterThan(60);
    // A bar's title reads the figure out (e.g. the decision median).
    expect(html).toMatch(/<title>Decision · Median \(hours\): 72<\/title>/);
  });

  it('answers 404 for an unknown section and 422 for a bad period', async () => {
    expect((await get('/api/v1/reports/nope')).status).toBe(404);
    const bad = await get('/api/v1/reports?kind=quarter&year=21&quarter=5');
    expect(bad.status).toBe(422);
    const body = (await bad.json()) as { code: string; details: Array<{ field: string }> };
    expect(body.details.map((d) => d.field).sort()).toEqual(['quarter', 'year']);
    expect((await get('/api/v1/reports/by-basis?kind=custom&from=2021-03-10&to=2021-03-01')).status).toBe(422);
    const page = await fetch(`${t.baseUrl}/staff/reports?kind=custom&from=x`, {
      headers: { cookie: adminSession.cookie },
    });
    expect(page.status).toBe(422);
    expect(await page.text()).toContain('data-field="from"');
    // Each bad field gets its message beside it, in the page's language, and the form again (as the transparency page).
    const cases: Array<[string, string, string, string]> = [
      ['kind=year&year=abc', 'year', '年份：四位数字，2000 至 2999 年', 'Year: four digits, from 2000 to 2999'],
      ['kind=year&year=9999', 'year', '年份：四位数字，2000 至 2999 年', 'Year: four digits, from 2000 to 2999'],
      ['kind=quarter&year=2021&quarter=7', 'quarter', '季度：1 至 4', 'Quarter: 1 to 4'],
      ['kind=month&month=2021-13', 'month', '月份：YYYY-MM，2000 至 2999 年', 'Month: YYYY-MM, from 2000 to 2999'],
      ['kind=week', 'kind', '请选择按月、按季度、按年或自定义日期', 'Choose month, quarter, year or custom dates'],
      ['kind=custom&from=x&to=2021-03-01', 'from', '“起始日”须为 2000 至 2999 年间的日期', '“From” must be a date'],
      [
        'kind=custom&from=2021-03-10&to=2021-03-01',
        'to',
        '“截止日”须为 2000 至 2999 年间、不早于“起始日”的日期',
        '“To” must be a date from 2000 to 2999, on or after',
      ],
    ];
    for (const [q, field, zh, en] of cases) {
      expect([q, (await get(`/api/v1/reports?${q}`)).status]).toEqual([q, 422]);
      for (const [lang, words] of [
        ['zh-CN', zh],
        ['en', en],
      ] as const) {
        const res = await fetch(`${t.baseUrl}/staff/reports?${q}&lang=${lang}`, {
          headers: { cookie: adminSession.cookie },
        });
        const html = await res.text();
        expect([q, lang, res.status]).toEqual([q, lang, 422]);
        const at = html.indexOf(`<p class="field-error" id="figures-${field}-error">`);
        expect([q, lang, at > 0]).toEqual([q, lang, true]);
        const beside = html.slice(at, html.indexOf('</p>', at));
        expect([q, lang, beside.includes(words)]).toEqual([q, lang, true]);
        expect(html).toMatch(new RegExp(`id="figures-${field}" name="${field}" aria-invalid="true"`));
        expect(html).not.toContain('data-section=');
      }
    }
    // No period: the current month.
    const now = await json<{ period: { firstDay: string } }>('/api/v1/reports');
    expect(now.period.firstDay).toMatch(/^\d{4}-\d{2}-01$/);
  });

  it('sets the milestones in the transition that reaches them, once', async () => {
    const [article] = await db.query<Array<{ url: string }>>(`SELECT url FROM article ORDER BY slug OFFSET 3 LIMIT 1`);
    const file = () =>
      fetch(`${t.baseUrl}/api/v1/complaints`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          legalBasis: 'accuracy',
          locale: 'en',
          complainant: { name: 'Milestone Tester', email: 'milestones@example.test' },
          items: [{ articleUrl: article.url, kind: 'article' }],
          explanation: 'The date in the second paragraph is wrong.',
          declarations: { truthful: true },
        }),
      });
    const first = (await (await file()).json()) as { reference: string };
    expect((await file()).status).toBe(201);
    const svc = t.app.get(ComplaintsService);
    const m1 = { role: 'moderator' as const, id: mod1.id };
    const m2 = { role: 'moderator' as const, id: mod2.id };
    const version = async () =>
      (
        await db.query<Array<{ version: number }>>(`SELECT version FROM complaint WHERE reference = $1`, [
          first.reference,
        ])
      )[0].version;
    const ref = first.reference;
    await svc.transition({ reference: ref, to: 'in_review', version: await version() }, m1);
    await svc.transition({ reference: ref, to: 'received', version: await version() }, m1);
    await svc.transition({ reference: ref, to: 'in_review', version: await version() }, m2);
    await svc.transition(
      { reference: ref, to: 'rejected', version: await version(), reason: 'The date is right.' },
      m2,
    );
    await svc.transition(
      {
        reference: ref,
        to: 'appeal_review',
        version: await version(),
        appeal: { party: 'complainant', ownerEmail: null, text: 'It is not.', files: [] },
      },
      { role: 'complainant', id: null },
    );
    await svc.transition(
      { reference: ref, to: 'rejected', version: await version(), action: 'appeal_reject', reason: 'Checked again.' },
      { role: 'admin', id: admin.id },
    );
    const [c] = await db.query<Array<Record<string, unknown>>>(
      `SELECT c.channel, c.decided_state, c.appeal_outcome, c.appeal_reversed, c.first_reviewed_by, c.first_decided_by,
              abs(extract(epoch FROM c.first_reviewed_at - min(e.occurred_at) FILTER (WHERE e.actor_type = 'moderator'))) < 1 AS reviewed_near,
              abs(extract(epoch FROM c.decided_at - min(e.occurred_at) FILTER (WHERE e.payload ->> 'to' = 'rejected'))) < 1 AS decided_near,
              abs(extract(epoch FROM c.appealed_at - min(e.occurred_at) FILTER (WHERE e.payload ->> 'to' = 'appeal_review'))) < 1 AS appealed_near,
              c.decided_at < max(e.occurred_at) FILTER (WHERE e.payload ->> 'to' = 'rejected') AS decision_kept_first,
              c.first_reviewed_at < max(e.occurred_at) FILTER (WHERE e.payload ->> 'to' = 'in_review') AS review_kept_first,
              c.withdrawn_at IS NULL AND c.restored_at IS NULL AS untouched
         FROM complaint c JOIN audit_event e ON e.subject_type = 'complaint' AND e.subject_id = c.id::text
                                           AND e.action = 'complaint.transition'
        WHERE c.reference = $1 GROUP BY c.id`,
      [ref],
    );
    expect(c).toEqual({
      channel: 'api',
      first_reviewed_by: mod1.id,
      first_decided_by: mod2.id,
      decided_state: 'rejected',
      appeal_outcome: 'rejected',
      appeal_reversed: false,
      reviewed_near: true,
      decided_near: true,
      appealed_near: true,
      decision_kept_first: true,
      review_kept_first: true,
      untouched: true,
    });
    // The repeat filed while the first was open: a duplicate decided at receipt, through the API.
    const [dup] = await db.query<Array<Record<string, unknown>>>(
      `SELECT channel, state, decided_state, decided_at = received_at AS at_receipt, first_reviewed_at
         FROM complaint WHERE complainant_email = 'milestones@example.test' AND reference <> $1`,
      [ref],
    );
    expect(dup).toEqual({
      channel: 'api',
      state: 'duplicate',
      decided_state: 'duplicate',
      at_receipt: true,
      first_reviewed_at: null,
    });
  });

  it('refuses moderators (token and session) and the public on every reports route', async () => {
    const mod = await createStaff(db, { role: 'moderator' });
    const modSession = await signIn(t.baseUrl, mod.email, mod.password);
    const routes = ['/staff/reports', '/staff/reports/by-basis.csv', '/api/v1/reports', '/api/v1/reports/times.csv'];
    for (const path of routes) {
      expect([path, (await get(path, mod1.token)).status]).toEqual([path, 403]);
      const viaSession = await fetch(`${t.baseUrl}${path}`, {
        headers: { cookie: modSession.cookie },
        redirect: 'manual',
      });
      expect([path, viaSession.status]).toEqual([path, 403]);
      const anon = await fetch(`${t.baseUrl}${path}`, { redirect: 'manual' });
      expect([path, path.startsWith('/staff') ? [302, 303].includes(anon.status) : anon.status]).toEqual([
        path,
        path.startsWith('/staff') ? true : 401,
      ]);
      expect([path, (await get(path)).status]).toEqual([path, 200]);
    }
    expect(adminUser.email).toContain('@');
  });
});
