import { Injectable } from '@nestjs/common';
import { plusDays } from '../calendar/calendar-date';
import { WorkingDays } from '../calendar/working-days.service';
import { NotFoundError } from '../common/domain-error';
import { translate } from '../common/i18n';
import { LEGAL_BASES } from '../complaints/legal-basis';
import type { Locale } from '../complaints/legal-basis';
import { FiguresRepository } from './figures.repository';
import type { WorkingDayTables } from './figures.repository';
import type { ReportPeriod } from './report-period';
import { csvField } from './reports.service';

export const SECTIONS = [
  'by-basis',
  'by-item-kind',
  'by-channel',
  'by-week',
  'outcomes',
  'upheld-by-remedy',
  'times',
  'overdue-by-state',
  'overdue-by-moderator',
  'legal-process',
  'appeals',
  'workload',
] as const;
export type SectionKey = (typeof SECTIONS)[number];
export const isSection = (v: string): v is SectionKey => (SECTIONS as readonly string[]).includes(v);

/** count: whole numbers; hours and working_days: up to two decimals; share: a fraction 0–1. */
export type Unit = 'count' | 'hours' | 'working_days' | 'share';

export interface SectionColumn {
  key: string;
  unit: Unit;
}
export interface SectionRow {
  key: string;
  label: string;
  values: Record<string, number | null>;
}
export interface Section {
  key: SectionKey;
  columns: SectionColumn[];
  rows: SectionRow[];
  /** The columns drawn as bars, and how. */
  chart: { series: string[]; orientation: 'horizontal' | 'vertical' };
}
/** A section of the period reports or of the transparency report (its own keys). */
export type AnySection = Omit<Section, 'key'> & { key: string };

const ITEM_KINDS = ['article', 'image', 'passage'];
const CHANNELS = ['form', 'api', 'mail'];
const OUTCOMES = ['actioned', 'rejected', 'duplicate', 'not_processed', 'withdrawn', 'restored'];
const REMEDIES = ['remove_article', 'remove_image', 'edit_passage', 'add_correction', 'add_attribution', 'no_action'];
const TIMES = ['receipt_mail', 'first_review', 'decision', 'restoration'];
const LEGAL_PROCESS = [
  'counter_notices_filed',
  'counter_notices_valid',
  'counter_notices_invalid',
  'counter_notices_incomplete',
  'restorations',
  'litigation_holds',
];
/** How far back the working-day tables reach before the period (older receipts are clamped to it). */
const CALENDAR_BACK_DAYS = 3 * 366;

/** Two decimals for times and shares (four for a share), so JSON, CSV, table and chart show one value. */
export function roundFigure(v: number | null | undefined, unit: Unit): number | null {
  if (v === null || v === undefined || Number.isNaN(Number(v))) return null;
  const f = unit === 'share' ? 10_000 : unit === 'count' ? 1 : 100;
  return Math.round(Number(v) * f) / f;
}

/** A figure as the table, the chart and the CSV write it (a share as a percentage in the page). */
export function formatFigure(v: number | null, unit: Unit): string {
  if (v === null) return '—';
  if (unit === 'share') return `${roundFigure(v * 100, 'hours')} %`;
  return String(v);
}

/**
 * The period reports: one query per section (FiguresRepository), shaped as rows of labelled
 * figures that the page draws as a chart and a table and the exports write as CSV and JSON.
 */
@Injectable()
export class FiguresService {
  constructor(
    private readonly repo: FiguresRepository,
    private readonly workingDays: WorkingDays,
  ) {}

  async all(period: ReportPeriod, locale: Locale): Promise<Section[]> {
    return Promise.all(SECTIONS.map((s) => this.section(s, period, locale)));
  }

  async section(key: string, period: ReportPeriod, locale: Locale): Promise<Section> {
    if (!isSection(key)) throw new NotFoundError(`No report section ${key}`);
    const t = (k: string) => translate(locale, k);
    const span = { from: period.from, to: period.to };
    const counts = (
      rows: Array<{ key: string; n: number }>,
      keys: string[],
      label: (k: string) => string,
      col = 'complaints',
    ): SectionRow[] => {
      const by = new Map(rows.map((r) => [r.key, r.n]));
      // Every known key, zeros included; unknown ones (older data) after them.
      const all = [...keys, ...rows.map((r) => r.key).filter((k) => !keys.includes(k))];
      return all.map((k) => ({ key: k, label: label(k), values: { [col]: by.get(k) ?? 0 } }));
    };
    const one = (col: string, orientation: 'horizontal' | 'vertical' = 'horizontal') => ({
      columns: [{ key: col, unit: 'count' as Unit }],
      chart: { series: [col], orientation },
    });
    switch (key) {
      case 'by-basis':
        return {
          key,
          ...one('complaints'),
          rows: counts(await this.repo.byBasis(span), [...LEGAL_BASES], (k) => t(`basis.${k}.label`)),
        };
      case 'by-item-kind': {
        const rows = await this.repo.byItemKind(span);
        const by = new Map(rows.map((r) => [r.key, r]));
        return {
          key,
          columns: [
            { key: 'items', unit: 'count' },
            { key: 'complaints', unit: 'count' },
          ],
          chart: { series: ['items', 'complaints'], orientation: 'horizontal' },
          rows: ITEM_KINDS.map((k) => ({
            key: k,
            label: t(`item.kind.${k}`),
            values: { items: by.get(k)?.items ?? 0, complaints: by.get(k)?.complaints ?? 0 },
          })),
        };
      }
      case 'by-channel':
        return {
          key,
          ...one('complaints'),
          rows: counts(await this.repo.byChannel(span), CHANNELS, (k) => t(`figures.channel.${k}`)),
        };
      case 'by-week': {
        // Every Monday from the period's first week to its last, zeros included.
        const weeks: string[] = [];
        const dow = (new Date(`${period.firstDay}T00:00:00Z`).getUTCDay() + 6) % 7;
        for (let d = plusDays(period.firstDay, -dow); d <= period.lastDay; d = plusDays(d, 7)) weeks.push(d);
        return { key, ...one('complaints', 'vertical'), rows: counts(await this.repo.byWeek(span), weeks, (k) => k) };
      }
      case 'outcomes':
        return {
          key,
          ...one('cases'),
          rows: counts(await this.repo.outcomes(span), OUTCOMES, (k) => t(`figures.outcome.${k}`), 'cases'),
        };
      case 'upheld-by-remedy':
        return {
          key,
          ...one('items'),
          rows: counts(await this.repo.upheldByRemedy(span), REMEDIES, (k) => t(`remedy.${k}`), 'items'),
        };
      case 'times': {
        const rows = await this.repo.times(span, await this.tables(period));
        const by = new Map(rows.map((r) => [r.key, r]));
        return {
          key,
          columns: [
            { key: 'cases', unit: 'count' },
            { key: 'median_hours', unit: 'hours' },
            { key: 'p90_hours', unit: 'hours' },
            { key: 'median_working_days', unit: 'working_days' },
            { key: 'p90_working_days', unit: 'working_days' },
          ],
          chart: { series: ['median_hours', 'p90_hours'], orientation: 'horizontal' },
          rows: TIMES.map((k) => {
            const r = by.get(k);
            return {
              key: k,
              label: t(`figures.time.${k}`),
              values: {
                cases: r?.cases ?? 0,
                median_hours: roundFigure(r?.median_hours, 'hours'),
                p90_hours: roundFigure(r?.p90_hours, 'hours'),
                median_working_days: roundFigure(r?.median_working_days, 'working_days'),
                p90_working_days: roundFigure(r?.p90_working_days, 'working_days'),
              },
            };
          }),
        };
      }
      case 'overdue-by-state': {
        const rows = await this.repo.overdueByState(span);
        return {
          key,
          ...one('cases'),
          rows: counts(rows, [], (k) => t(`state.${k}.label`), 'cases'),
        };
      }
      case 'overdue-by-moderator': {
        const rows = await this.repo.overdueByModerator(span);
        return {
          key,
          ...one('cases'),
          rows: rows
            // Most first; cases nobody holds last.
            .sort((a, b) => Number(!a.key) - Number(!b.key) || b.n - a.n || (a.name ?? '').localeCompare(b.name ?? ''))
            .map((r) => ({ key: r.key, label: r.name ?? t('figures.nobody'), values: { cases: r.n } })),
        };
      }
      case 'legal-process':
        return {
          key,
          ...one('cases'),
          rows: counts(await this.repo.legalProcess(span), LEGAL_PROCESS, (k) => t(`figures.legal.${k}`), 'cases'),
        };
      case 'appeals': {
        const a = await this.repo.appeals(span);
        const share = a.decided ? roundFigure(a.reversed / a.decided, 'share') : null;
        return {
          key,
          columns: [
            { key: 'cases', unit: 'count' },
            { key: 'share_of_decided', unit: 'share' },
          ],
          chart: { series: ['cases'], orientation: 'horizontal' },
          rows: [
            { key: 'filed', label: t('figures.appeal.filed'), values: { cases: a.filed, share_of_decided: null } },
            {
              key: 'decided',
              label: t('figures.appeal.decided'),
              values: { cases: a.decided, share_of_decided: null },
            },
            {
              key: 'reversed',
              label: t('figures.appeal.reversed'),
              values: { cases: a.reversed, share_of_decided: share },
            },
          ],
        };
      }
      case 'workload': {
        const rows = await this.repo.workload(span);
        return {
          key,
          columns: [
            { key: 'claimed', unit: 'count' },
            { key: 'decided', unit: 'count' },
            { key: 'median_hours_to_decide', unit: 'hours' },
          ],
          chart: { series: ['claimed', 'decided'], orientation: 'horizontal' },
          rows: rows
            .sort((a, b) => b.decided - a.decided || b.claimed - a.claimed || a.name.localeCompare(b.name))
            .map((r) => ({
              key: r.key,
              label: r.name,
              values: {
                claimed: r.claimed,
                decided: r.decided,
                median_hours_to_decide: roundFigure(r.median_hours, 'hours'),
              },
            })),
        };
      }
    }
  }

  /** Cumulative working days per day, China and US calendars, from well before the period to its end. */
  private async tables(period: ReportPeriod): Promise<WorkingDayTables> {
    const start = plusDays(period.firstDay, -CALENDAR_BACK_DAYS);
    const [cn, us] = await Promise.all([this.workingDays.calendar('cn'), this.workingDays.calendar('us')]);
    const out: WorkingDayTables = { start, cn: [0], us: [0] };
    for (let d = plusDays(start, 1); d <= plusDays(period.lastDay, 1); d = plusDays(d, 1)) {
      out.cn.push(out.cn[out.cn.length - 1] + (cn.isWorkingDay(d) ? 1 : 0));
      out.us.push(out.us[out.us.length - 1] + (us.isWorkingDay(d) ? 1 : 0));
    }
    return out;
  }
}

/** One section as JSON: the period, the columns with their units and the rows (key, label, figures). */
export function sectionJson(s: AnySection, period: ReportPeriod) {
  return {
    section: s.key,
    period: { kind: period.kind, firstDay: period.firstDay, lastDay: period.lastDay, from: period.from, to: period.to },
    columns: s.columns,
    rows: s.rows.map((r) => ({ key: r.key, label: r.label, ...r.values })),
  };
}

/** One section as CSV (UTF-8 with BOM, CRLF): key, label, then a column per figure (shares as fractions). */
export function sectionCsv(s: AnySection): string {
  const head = ['key', 'label', ...s.columns.map((c) => c.key)].join(',');
  const lines = s.rows.map((r) =>
    [r.key, r.label, ...s.columns.map((c) => (r.values[c.key] === null ? '' : String(r.values[c.key])))]
      .map(csvField)
      .join(','),
  );
  return `\uFEFF${[head, ...lines].join('\r\n')}\r\n`;
}
