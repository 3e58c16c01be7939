import { translate } from '../common/i18n';
import type { Locale } from '../complaints/legal-basis';
import { barChart } from './bar-chart';
import { formatFigure } from './figures.service';
import type { AnySection, Unit } from './figures.service';
import type { ReportPeriod } from './report-period';

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
