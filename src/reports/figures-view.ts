import { ValidationError } from '../common/domain-error';
import { translate } from '../common/i18n';
import type { Locale } from '../complaints/legal-basis';
import { barChart } from './bar-chart';
import { formatFigure } from './figures.service';
import type { AnySection, Unit } from './figures.service';
import { parsePeriod } from './report-period';
import type { ReportPeriod } from './report-period';

/** A period the pages could not read: each field's message in the page's language, listed and by field. */
export interface PeriodFormErrors {
  list: Array<{ field: string; message: string }>;
  byField: Record<string, string>;
}

/**
 * The period of a report page's query, or the messages to show beside its form fields (the page
 * re-renders the form with 422, as every HTML form does; the API answers the same input with 422 JSON).
 */
export function readPeriodForm(
  query: Record<string, unknown>,
  now: Date,
  locale: Locale,
): { period: ReportPeriod; errors: null } | { period: null; errors: PeriodFormErrors } {
  try {
    return { period: parsePeriod(query, now), errors: null };
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    const list = err.fields.map((f) => ({ field: f.field, message: translate(locale, `figures.error.${f.field}`) }));
    return { period: null, errors: { list, byField: Object.fromEntries(list.map((e) => [e.field, e.message])) } };
  }
}

/** What templates/views/staff/reports.hbs draws for one section: heading, chart, table and export links. */
export function sectionView(s: AnySection, period: ReportPeriod, locale: Locale) {
  const t = (k: string) => translate(locale, k);
  const units = new Map(s.columns.map((c) => [c.key, c.unit]));
  const chartUnit: Unit = units.get(s.chart.series[0]) ?? 'count';
  const byKey = new Map(s.rows.map((r) => [r.key, r]));
  const wide = s.columns.length > 2 || s.chart.orientation === 'vertical';
  const chart = barChart({
    categories: s.rows.map((r) => ({ key: r.key, label: r.label })),
    series: s.chart.series.map((k) => ({ key: k, label: t(`figures.col.${k}`) })),
    value: (c, k) => byKey.get(c)?.values[k] ?? null,
    orientation: s.chart.orientation,
    format: (v) => formatFigure(Math.round(v * 100) / 100, chartUnit),
    integer: chartUnit === 'count',
    // Beside its table when the table is narrow (two columns or fewer), above it otherwise.
    width: wide ? 820 : 600,
  });
  const q = new URLSearchParams(period.query).toString();
  return {
    key: s.key,
    title: t(`figures.section.${s.key}`),
    note: t(`figures.note.${s.key}`),
    chart: { ...chart, bars: chart.bars.map((b) => ({ ...b, dataValue: String(b.value) })) },
    columns: s.columns.map((c) => ({ key: c.key, label: t(`figures.col.${c.key}`) })),
    rows: s.rows.map((r) => ({
      key: r.key,
      label: r.label,
      cells: s.columns.map((c) => ({
        key: c.key,
        value: r.values[c.key] === null ? '' : String(r.values[c.key]),
        text: formatFigure(r.values[c.key], c.unit),
      })),
    })),
    empty: s.rows.length === 0,
    wide,
    csvHref: `/staff/reports/${s.key}.csv?${q}`,
    jsonHref: `/staff/reports/${s.key}.json?${q}`,
  };
}
