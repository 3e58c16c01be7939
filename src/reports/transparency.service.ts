import { Injectable } from '@nestjs/common';
import { NotFoundError } from '../common/domain-error';
import { translate } from '../common/i18n';
import { BASIS_STATEMENT, STATEMENT_CATEGORIES } from '../complaints/decision-ground';
import { LEGAL_BASES } from '../complaints/legal-basis';
import type { Locale } from '../complaints/legal-basis';
import { FiguresRepository } from './figures.repository';
import { FiguresService, roundFigure, sectionJson } from './figures.service';
import type { AnySection, SectionKey } from './figures.service';
import { parsePeriod } from './report-period';
import type { ReportPeriod } from './report-period';

/** The period report sections the transparency report shows unchanged (same figures, same keys). */
const REUSED: SectionKey[] = ['by-basis', 'outcomes', 'upheld-by-remedy', 'times', 'appeals'];
const APPEAL_OUTCOMES = ['actioned', 'rejected', 'restored'];
/** Each basis's default category and ground, for decisions taken before they were recorded. */
const CATEGORY_DEFAULTS = Object.fromEntries(
  Object.entries(BASIS_STATEMENT).map(([basis, d]) => [basis, { category: d.category, ground: d.ground }]),
);

/**
 * What the report says of the obligations the desk has nothing to count for: no automated means,
 * no out-of-court dispute settlement body seized, no recipients to average (a newsroom, not a platform).
 */
export const STATEMENTS = {
  automated_means: { used: false, notices: 0 },
  out_of_court_disputes: { applicable: false, disputes: 0 },
  average_monthly_active_recipients: { applicable: false, value: null },
} as const;

/** `?year=YYYY` as the period query it stands for (the page reads it the same way to show its errors). */
export const yearQuery = (query: Record<string, unknown>) => ({ kind: 'year', year: query.year });

export interface TransparencyReport {
  year: number;
  period: ReportPeriod;
  /** Headline figures (DSA Art. 15/24, 网络信息内容生态治理规定 Art. 17), each from a section below. */
  summary: Record<string, number | null>;
  sections: AnySection[];
}

/**
 * The yearly transparency report: composed of the period reports' sections for the year (the same
 * figures as /staff/reports?kind=year) and four small additions (appeals by basis, by outcome, their
 * handling time, misuse), all read through FiguresRepository.
 */
@Injectable()
export class TransparencyService {
  constructor(
    private readonly figures: FiguresService,
    private readonly repo: FiguresRepository,
  ) {}

  /** The year from `?year=YYYY` (default: the current one, Beijing time) as a year period. */
  period(query: Record<string, unknown>, now: Date): ReportPeriod {
    return parsePeriod(yearQuery(query), now);
  }

  /**
   * The year's report. With `only` (one section's download) just that section is computed, and the
   * statements it needs run (misuse also needs the outcomes); the summary is then not meaningful and
   * `sections` holds that one section, or none for a key the report has not.
   */
  async report(period: ReportPeriod, locale: Locale, only?: string): Promise<TransparencyReport> {
    const t = (k: string) => translate(locale, k);
    const span = { from: period.from, to: period.to };
    const need = (...keys: string[]) => only === undefined || keys.includes(only);
    const none = <T>(v: T) => Promise.resolve(v);
    const [reused, byBasis, byOutcome, appealTimes, warnings, byCategory] = await Promise.all([
      Promise.all(
        REUSED.map((k) =>
          need(k, ...(k === 'outcomes' ? ['misuse'] : [])) ? this.figures.section(k, period, locale) : none(undefined),
        ),
      ),
      need('appeals-by-basis') ? this.repo.appealsByBasis(span) : none([]),
      need('appeals-by-outcome') ? this.repo.appealsByOutcome(span) : none([]),
      need('appeal-times') ? this.repo.appealTimes(span) : none({ cases: 0, median_hours: null, p90_hours: null }),
      need('misuse') ? this.repo.misuseWarnings(span) : none(0),
      need('actions-by-category') ? this.repo.actionsByCategory(span, CATEGORY_DEFAULTS) : none([]),
    ]);
    const [basis, outcomes, remedies, times, appeals] = reused;
    const value = (s: AnySection | undefined, row: string, col: string) =>
      s?.rows.find((r) => r.key === row)?.values[col] ?? null;
    const basisBy = new Map(byBasis.map((r) => [r.key, r]));
    const basisKeys = [...LEGAL_BASES, ...byBasis.map((r) => r.key).filter((k) => !LEGAL_BASES.includes(k as never))];
    const outcomeBy = new Map(byOutcome.map((r) => [r.key, r.n]));
    const categoryOrder = (k: string) => {
      const i = (STATEMENT_CATEGORIES as readonly string[]).indexOf(k);
      return i < 0 ? STATEMENT_CATEGORIES.length : i;
    };
    // DSA Art. 15(1)(b): the action taken on notices by type of content, on the law or the terms.
    const actions: AnySection = {
      key: 'actions-by-category',
      columns: [
        { key: 'actions', unit: 'count' },
        { key: 'on_law', unit: 'count' },
        { key: 'on_terms', unit: 'count' },
        { key: 'median_hours', unit: 'hours' },
      ],
      chart: { series: ['on_law', 'on_terms'], orientation: 'horizontal' },
      rows: [...byCategory]
        .sort((a, b) => categoryOrder(a.key) - categoryOrder(b.key) || a.key.localeCompare(b.key))
        .map((r) => ({
          key: r.key,
          label: t(`case.choice.category.${r.key}`),
          values: {
            actions: r.on_law + r.on_terms,
            on_law: r.on_law,
            on_terms: r.on_terms,
            median_hours: roundFigure(r.median_hours, 'hours'),
          },
        })),
    };
    const added: AnySection[] = [
      {
        key: 'appeals-by-basis',
        columns: [
          { key: 'filed', unit: 'count' },
          { key: 'decided', unit: 'count' },
          { key: 'reversed', unit: 'count' },
        ],
        chart: { series: ['filed', 'reversed'], orientation: 'horizontal' },
        rows: basisKeys.map((k) => ({
          key: k,
          label: t(`basis.${k}.label`),
          values: {
            filed: basisBy.get(k)?.filed ?? 0,
            decided: basisBy.get(k)?.decided ?? 0,
            reversed: basisBy.get(k)?.reversed ?? 0,
          },
        })),
      },
      {
        key: 'appeals-by-outcome',
        columns: [{ key: 'cases', unit: 'count' }],
        chart: { series: ['cases'], orientation: 'horizontal' },
        rows: APPEAL_OUTCOMES.map((k) => ({
          key: k,
          label: t(`transparency.appealOutcome.${k}`),
          values: { cases: outcomeBy.get(k) ?? 0 },
        })),
      },
      {
        key: 'appeal-times',
        columns: [
          { key: 'cases', unit: 'count' },
          { key: 'median_hours', unit: 'hours' },
          { key: 'p90_hours', unit: 'hours' },
        ],
        chart: { series: ['median_hours', 'p90_hours'], orientation: 'horizontal' },
        rows: [
          {
            key: 'appeal_decision',
            label: t('transparency.time.appeal_decision'),
            values: {
              cases: appealTimes.cases,
              median_hours: roundFigure(appealTimes.median_hours, 'hours'),
              p90_hours: roundFigure(appealTimes.p90_hours, 'hours'),
            },
          },
        ],
      },
      {
        key: 'misuse',
        columns: [{ key: 'cases', unit: 'count' }],
        chart: { series: ['cases'], orientation: 'horizontal' },
        rows: [
          { key: 'warnings', label: t('transparency.misuse.warnings'), values: { cases: warnings } },
          {
            key: 'not_processed',
            label: t('figures.outcome.not_processed'),
            values: { cases: value(outcomes, 'not_processed', 'cases') ?? 0 },
          },
        ],
      },
    ];
    const decided = ['actioned', 'rejected', 'duplicate', 'not_processed'].reduce(
      (n, k) => n + (value(outcomes, k, 'cases') ?? 0),
      0,
    );
    return {
      year: Number(period.firstDay.slice(0, 4)),
      period,
      summary: {
        notices_received: (basis?.rows ?? []).reduce((n, r) => n + (r.values.complaints ?? 0), 0),
        notices_decided: decided,
        notices_upheld: value(outcomes, 'actioned', 'cases'),
        notices_rejected: value(outcomes, 'rejected', 'cases'),
        notices_automated: STATEMENTS.automated_means.notices,
        median_hours_to_decision: value(times, 'decision', 'median_hours'),
        median_working_days_to_decision: value(times, 'decision', 'median_working_days'),
        appeals_filed: value(appeals, 'filed', 'cases'),
        appeals_decided: value(appeals, 'decided', 'cases'),
        appeals_reversed: value(appeals, 'reversed', 'cases'),
        median_hours_to_appeal_decision: roundFigure(appealTimes.median_hours, 'hours'),
        out_of_court_disputes: STATEMENTS.out_of_court_disputes.disputes,
        misuse_warnings: warnings,
      },
      sections: [basis, outcomes, remedies, actions, times, appeals, ...added].filter(
        (x): x is AnySection => x !== undefined && need(x.key),
      ),
    };
  }
}

/** One section of the report (for its CSV or JSON export); 404 for a key it has not. */
export function transparencySection(r: TransparencyReport, key: string): AnySection {
  const s = r.sections.find((x) => x.key === key);
  if (!s) throw new NotFoundError(`No transparency report section ${key}`);
  return s;
}

/** The report as JSON: the year, its period, the headline figures, the statements and every section. */
export function transparencyJson(r: TransparencyReport) {
  const p = r.period;
  return {
    year: r.year,
    period: { kind: p.kind, firstDay: p.firstDay, lastDay: p.lastDay, from: p.from, to: p.to },
    summary: r.summary,
    statements: STATEMENTS,
    sections: r.sections.map((s) => sectionJson(s, p)),
  };
}
