import { DataSource } from 'typeorm';
import { loadReportFixture } from './factories/report-fixture';
import { parseCsv } from './helpers/csv';
import { startTestApp, TestApp } from './helpers/app';
import { createStaff, signIn, StaffSession, tokenStaff, TokenStaff } from './helpers/staff';

interface SectionJson {
  section: string;
  period: { kind: string; firstDay: string; lastDay: string };
  columns: Array<{ key: string; unit: string }>;
  rows: Array<Record<string, string | number | null>>;
}
interface Transparency {
  year: number;
  period: { kind: string; firstDay: string; lastDay: string };
  summary: Record<string, number | null>;
  statements: Record<string, Record<string, unknown>>;
  sections: SectionJson[];
}

/** The figures of a section by row key, without the label. */
const figures = (s: SectionJson | undefined) =>
  Object.fromEntries(
    (s?.rows ?? []).map((r) => {
      const { key, label, ...values } = r;
      void label;
      return [key as string, values];
    }),
  );

/**
 * The yearly transparency report (DSA Art. 15/24, 网络信息内容生态治理规定 Art. 17) on the period
 * reports' fixture (all of it in 2021): the sections it reuses equal the period report for the
 * year, the added ones (appeals by basis and outcome, appeal times, misuse) are worked out by hand,
 * the page shows the same figures in both languages, and only admins get it.
 */
describe('reports: yearly transparency report', () => {
  let t: TestApp;
  let db: DataSource;
  let admin: TokenStaff;
  let mod1: TokenStaff;
  let session: StaffSession;
  let report: Transparency;

  const get = (path: string, token = admin.token) =>
    fetch(`${t.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` }, redirect: 'manual' });
  const json = async <T>(path: string): Promise<T> => {
    const res = await get(path);
    expect([path, res.status]).toEqual([path, 200]);
    return (await res.json()) as T;
  };
  const section = (key: string) => report.sections.find((s) => s.section === key);

  beforeAll(async () => {
    t = await startTestApp({ TIMER_WORKER: 'false', AUDIT_SEAL_MS: '3600000', LOG_LEVEL: 'error' });
    db = t.app.get(DataSource);
    admin = await tokenStaff(db, 'admin', '管理员甲');
    mod1 = await tokenStaff(db, 'moderator', 'Mod One');
    const mod2 = await tokenStaff(db, 'moderator', '审核员乙');
    const ids = await loadReportFixture(db, { admin, mod1, mod2 });
    // Two misuse warnings in 2021 and one on the first day of 2022 (Beijing), which the 2021 report leaves out.
    await db.query(
      `INSERT INTO complainant_warning (email, complaint_id, reason, warned_by, created_at)
       VALUES ('fixture@example.test', $1, 'unfounded', $2, '2021-03-20T10:00:00+08:00'),
              ('fixture@example.test', $1, 'unfounded again', $2, '2021-12-31T23:30:00+08:00'),
              ('fixture@example.test', $1, 'next year', $2, '2022-01-01T00:30:00+08:00')`,
      [ids.F, admin.id],
    );
    // The ground and category decisions recorded (migration 1766100000000): A as the desk chose it, C acted on
    // under our terms instead of its basis's default (the law), G decided before they were recorded (NULL: its
    // eu-dsa default), D recorded on its appeal although its first decision was a rejection (not counted).
    await db.query(
      `UPDATE complaint SET decision_ground = x.g, decision_category = x.c
         FROM (VALUES ($1::uuid, 'DECISION_GROUND_ILLEGAL_CONTENT', 'STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE'),
                      ($2::uuid, 'DECISION_GROUND_INCOMPATIBLE_CONTENT', 'STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS'),
                      ($3::uuid, 'DECISION_GROUND_ILLEGAL_CONTENT', 'STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS'))
              AS x(id, g, c)
        WHERE complaint.id = x.id`,
      [ids.A, ids.C, ids.D],
    );
    const u = await createStaff(db, { role: 'admin', displayName: 'Page Admin' });
    session = await signIn(t.baseUrl, u.email, u.password);
    report = await json<Transparency>('/api/v1/reports/transparency?year=2021');
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  it('reuses the period report for the year: the same sections with the same figures', async () => {
    const period = await json<{ sections: SectionJson[] }>('/api/v1/reports?kind=year&year=2021');
    expect(report.year).toBe(2021);
    expect(report.period).toMatchObject({ kind: 'year', firstDay: '2021-01-01', lastDay: '2021-12-31' });
    const reused = ['by-basis', 'outcomes', 'upheld-by-remedy', 'times', 'appeals'];
    expect(report.sections.map((s) => s.section)).toEqual([
      'by-basis',
      'outcomes',
      'upheld-by-remedy',
      'actions-by-category',
      'times',
      'appeals',
      'appeals-by-basis',
      'appeals-by-outcome',
      'appeal-times',
      'misuse',
    ]);
    for (const key of reused) {
      const fromPeriod = period.sections.find((s) => s.section === key);
      expect([key, fromPeriod]).toEqual([key, section(key)]);
    }
    // The fixture's eight cases, all received in 2021.
    expect(figures(section('by-basis'))).toMatchObject({
      'cn-copyright': { complaints: 3 },
      accuracy: { complaints: 2 },
      'us-dmca': { complaints: 1 },
      'cn-personal-rights': { complaints: 1 },
      'eu-dsa': { complaints: 1 },
    });
  });

  it('adds the appeals by basis and by outcome, their handling time and the misuse figures', () => {
    // B (accuracy): appealed 03-06 10:00, rejected again 03-13 10:00 (168 h); D (cn-personal-rights):
    // appealed 03-10 09:00, actioned 03-12 10:00 (49 h): median 108.5, p90 49 + 0.9 × 119 = 156.1.
    expect(figures(section('appeals-by-basis'))).toEqual({
      'cn-copyright': { filed: 0, decided: 0, reversed: 0 },
      'cn-personal-rights': { filed: 1, decided: 1, reversed: 1 },
      'us-dmca': { filed: 0, decided: 0, reversed: 0 },
      'eu-dsa': { filed: 0, decided: 0, reversed: 0 },
      accuracy: { filed: 1, decided: 1, reversed: 0 },
    });
    const byBasis = Object.values(figures(section('appeals-by-basis')));
    expect(byBasis.reduce((n, r) => n + Number(r.filed), 0)).toBe(2);
    expect(figures(section('appeals-by-outcome'))).toEqual({
      actioned: { cases: 1 },
      rejected: { cases: 1 },
      restored: { cases: 0 },
    });
    expect(figures(section('appeal-times'))).toEqual({
      appeal_decision: { cases: 2, median_hours: 108.5, p90_hours: 156.1 },
    });
    const outcomes = figures(section('outcomes'));
    expect(figures(section('misuse'))).toEqual({
      warnings: { cases: 2 },
      not_processed: { cases: outcomes.not_processed.cases },
    });
  });

  it('counts the action taken on notices by recorded category, on the law or our terms (DSA Art. 15(1)(b))', async () => {
    // First decisions upheld in 2021: A (received 03-01 09:00, decided 03-02 09:00: 24 h), G (02-26 05:00 →
    // 03-02 09:00: 100 h), C (03-05 10:00 → 03-08 10:00: 72 h). A recorded NOT_SPECIFIED_NOTICE on the law and G
    // falls back to eu-dsa's default, the same: 2 on the law, median (24 + 100) / 2 = 62. C recorded IP on our
    // terms: 1, 72 h. D's first decision was a rejection: not an action, whatever its appeal recorded.
    const actions = section('actions-by-category');
    expect(actions?.columns).toEqual([
      { key: 'actions', unit: 'count' },
      { key: 'on_law', unit: 'count' },
      { key: 'on_terms', unit: 'count' },
      { key: 'median_hours', unit: 'hours' },
    ]);
    expect(actions?.rows.map((r) => r.key)).toEqual([
      'STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS',
      'STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE',
    ]);
    expect(figures(actions)).toEqual({
      STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS: { actions: 1, on_law: 0, on_terms: 1, median_hours: 72 },
      STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE: { actions: 2, on_law: 2, on_terms: 0, median_hours: 62 },
    });
    // Every action is one of the notices upheld.
    expect(Object.values(figures(actions)).reduce((n, r) => n + Number(r.actions), 0)).toBe(
      report.summary.notices_upheld,
    );

    // The same section as JSON and as CSV, over the API and from the page's download link, labels in the language asked.
    const one = await json<SectionJson>('/api/v1/reports/transparency/actions-by-category?year=2021');
    expect(one).toEqual(actions);
    // Each section alone (computed without the others) is the report's own.
    for (const s of report.sections)
      expect([s.section, await json<SectionJson>(`/api/v1/reports/transparency/${s.section}?year=2021`)]).toEqual([
        s.section,
        s,
      ]);
    const apiCsv = await get('/api/v1/reports/transparency/actions-by-category.csv?year=2021&lang=en');
    expect([apiCsv.status, apiCsv.headers.get('content-type')]).toEqual([200, 'text/csv; charset=utf-8']);
    expect(apiCsv.headers.get('content-disposition')).toBe(
      'attachment; filename="actions-by-category-2021-01-01-2021-12-31.csv"',
    );
    const csv = parseCsv(await apiCsv.text());
    expect(csv).toEqual([
      ['key', 'label', 'actions', 'on_law', 'on_terms', 'median_hours'],
      [
        'STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS',
        'Intellectual property infringements',
        '1',
        '0',
        '1',
        '72',
      ],
      [
        'STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE',
        expect.stringContaining('not specified') as unknown as string,
        '2',
        '2',
        '0',
        '62',
      ],
    ]);
    const pageCsv = await fetch(
      `${t.baseUrl}/staff/reports/transparency/actions-by-category.csv?year=2021&lang=zh-CN`,
      {
        headers: { cookie: session.cookie },
      },
    );
    expect(pageCsv.status).toBe(200);
    const zh = parseCsv(await pageCsv.text());
    expect(zh.map((r) => [r[0], ...r.slice(2)])).toEqual(csv.map((r) => [r[0], ...r.slice(2)]));
    expect(zh[1][1]).toBe('知识产权侵权');
    // Every section of the report downloads the same way; an unknown one is 404.
    for (const s of report.sections) {
      const res = await get(`/api/v1/reports/transparency/${s.section}.csv?year=2021`);
      expect([s.section, res.status, parseCsv(await res.text()).length]).toEqual([s.section, 200, s.rows.length + 1]);
    }
    expect((await get('/api/v1/reports/transparency/nope?year=2021')).status).toBe(404);
    expect((await get('/api/v1/reports/transparency/actions-by-category.csv?year=abc')).status).toBe(422);
  });

  it('sums up the year from those sections and states what does not apply', () => {
    const outcomes = figures(section('outcomes'));
    const times = figures(section('times'));
    const appeals = figures(section('appeals'));
    expect(report.summary).toEqual({
      notices_received: 8,
      notices_decided:
        Number(outcomes.actioned.cases) +
        Number(outcomes.rejected.cases) +
        Number(outcomes.duplicate.cases) +
        Number(outcomes.not_processed.cases),
      notices_upheld: outcomes.actioned.cases,
      notices_rejected: outcomes.rejected.cases,
      notices_automated: 0,
      median_hours_to_decision: times.decision.median_hours,
      median_working_days_to_decision: times.decision.median_working_days,
      appeals_filed: 2,
      appeals_decided: 2,
      appeals_reversed: 1,
      median_hours_to_appeal_decision: 108.5,
      out_of_court_disputes: 0,
      misuse_warnings: 2,
    });
    expect(appeals.reversed.cases).toBe(1);
    expect(typeof times.decision.median_hours).toBe('number');
    expect(report.statements).toEqual({
      automated_means: { used: false, notices: 0 },
      out_of_court_disputes: { applicable: false, disputes: 0 },
      average_monthly_active_recipients: { applicable: false, value: null },
    });
  });

  it('shows the same figures on the printable page, in Chinese and English', async () => {
    for (const [lang, words] of [
      ['zh-CN', ['2021 年度透明度报告', '没有任何通知以自动化方式处理', '不适用', '网络信息内容生态治理规定']],
      ['en', ['Transparency report 2021', 'No notice was processed by automated means', 'not applicable', 'Art. 17']],
    ] as const) {
      const res = await fetch(`${t.baseUrl}/staff/reports/transparency?year=2021&lang=${lang}`, {
        headers: { cookie: session.cookie },
        redirect: 'manual',
      });
      expect([lang, res.status]).toEqual([lang, 200]);
      const html = await res.text();
      for (const w of words) expect([lang, html.includes(w)]).toEqual([lang, true]);
      const summaryRows = Object.entries(report.summary);
      expect(summaryRows.length).toBe(13);
      for (const [key, v] of summaryRows)
        expect([key, html.includes(`<tr data-key="${key}">`), html]).toEqual([
          key,
          true,
          expect.stringMatching(
            new RegExp(
              `<tr data-key="${key}"><th scope="row">[^<]+</th><td class="figures__num" data-value="${v === null ? '' : String(v)}">`,
            ),
          ),
        ]);
      // Every figure of every section is in its table, as the JSON has it.
      let cells = 0;
      for (const s of report.sections) {
        const table = html.slice(
          html.indexOf(`data-table="${s.section}"`),
          html.indexOf('</table>', html.indexOf(`data-table="${s.section}"`)),
        );
        expect([s.section, table.length > 0]).toEqual([s.section, true]);
        for (const r of s.rows)
          for (const c of s.columns) {
            const row = table.slice(table.indexOf(`<tr data-key="${String(r.key)}">`));
            const v = r[c.key] === null ? '' : String(r[c.key]);
            expect([s.section, r.key, c.key, row.includes(`data-col="${c.key}" data-value="${v}"`)]).toEqual([
              s.section,
              r.key,
              c.key,
              true,
            ]);
            cells++;
          }
      }
      expect(cells).toBeGreaterThan(40);
    }
  });

  it('is linked from the reports page and rejects an invalid year', async () => {
    const res = await fetch(`${t.baseUrl}/staff/reports?kind=year&year=2021`, { headers: { cookie: session.cookie } });
    expect(await res.text()).toContain('action="/staff/reports/transparency"');
    expect((await get('/api/v1/reports/transparency?year=21')).status).toBe(422);
  });

  it('answers an invalid year with the year form again, the message beside the field in the page language (422)', async () => {
    const page = (year: string, lang: string) =>
      fetch(`${t.baseUrl}/staff/reports/transparency?year=${encodeURIComponent(year)}&lang=${lang}`, {
        headers: { cookie: session.cookie },
        redirect: 'manual',
      });
    const message = { 'zh-CN': '年份：四位数字，2000 至 2999 年', en: 'Year: four digits, from 2000 to 2999' };
    // 9999 used to end the period in year 10000: a RangeError, 500 on the API and the page alike.
    for (const year of ['abc', '1800', '99999', '9999', '<b>2021</b>']) {
      const api = await get(`/api/v1/reports/transparency?year=${encodeURIComponent(year)}`);
      const body = (await api.json()) as { code: string; details: Array<{ field: string }> };
      expect([year, api.status, body.code, body.details.map((d) => d.field)]).toEqual([
        year,
        422,
        'VALIDATION',
        ['year'],
      ]);
      for (const lang of ['zh-CN', 'en'] as const) {
        const res = await page(year, lang);
        const html = await res.text();
        expect([year, lang, res.status]).toEqual([year, lang, 422]);
        // The form, its field marked and described by the message right after its label; what was typed kept (escaped).
        const field = html.slice(html.indexOf('<div class="field figures__field--year has-error">'));
        expect([year, lang, field.slice(0, field.indexOf('</div>'))]).toEqual([
          year,
          lang,
          expect.stringMatching(
            new RegExp(
              `<label class="field__label" for="transparency-year">[^<]+</label>\\s*<p class="field-error" id="transparency-year-error">.*${message[lang]}</p>\\s*<div class="transparency__row">\\s*<input [^>]*aria-invalid="true" aria-describedby="transparency-year-error"`,
            ),
          ),
        ]);
        expect(html).toContain(`value="${year.replace(/</g, '&lt;').replace(/>/g, '&gt;')}"`);
        expect(html).not.toContain('<b>2021</b>');
        expect(html).toContain('<li data-field="year"><a href="#transparency-year">');
        expect(html).not.toContain('data-section=');
      }
    }
  });

  it('refuses moderators (token and session) and the public', async () => {
    const mod = await createStaff(db, { role: 'moderator' });
    const modSession = await signIn(t.baseUrl, mod.email, mod.password);
    for (const path of ['/staff/reports/transparency?year=2021', '/api/v1/reports/transparency?year=2021']) {
      expect([path, (await get(path, mod1.token)).status]).toEqual([path, 403]);
      const viaSession = await fetch(`${t.baseUrl}${path}`, {
        headers: { cookie: modSession.cookie },
        redirect: 'manual',
      });
      expect([path, viaSession.status]).toEqual([path, 403]);
      const anon = await fetch(`${t.baseUrl}${path}`, { redirect: 'manual' });
      expect([path, anon.status]).toEqual([path, path.startsWith('/staff') ? 303 : 401]);
    }
  });
});
