import { dateInRegion, daysBetween, isCalendarDate, plusDays, startOfDayInRegion } from '../calendar/calendar-date';
import type { CalendarDate } from '../calendar/calendar-date';
import { ValidationError } from '../common/domain-error';
import type { FieldError } from '../common/domain-error';

export const PERIOD_KINDS = ['month', 'quarter', 'year', 'custom'] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];

/** The longest custom period (about five years): the working-day tables are built per day. */
export const MAX_CUSTOM_DAYS = 1830;

/** Years a period may fall in: the desk's records start after 2000; 9999 would end in year 10000 (not a date). */
export const MIN_YEAR = 2000;
export const MAX_YEAR = 2999;
const inYears = (y: number) => y >= MIN_YEAR && y <= MAX_YEAR;

/**
 * A report period: whole days in Beijing time (the desk's own calendar), `firstDay` to `lastDay`
 * inclusive; `from`/`to` are the instants [from, to) the SQL reads.
 */
export interface ReportPeriod {
  kind: PeriodKind;
  firstDay: CalendarDate;
  lastDay: CalendarDate;
  from: Date;
  to: Date;
  /** The query string that selects this period again (for links and exports). */
  query: Record<string, string>;
}

const str = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');
const pad = (n: number) => String(n).padStart(2, '0');

/** The first day of the month after `y`-`m` (m 1–12). */
const nextMonth = (y: number, m: number): CalendarDate => (m === 12 ? `${y + 1}-01-01` : `${y}-${pad(m + 1)}-01`);

/**
 * Reads kind=month&month=YYYY-MM, kind=quarter&year=YYYY&quarter=1–4, kind=year&year=YYYY or
 * kind=custom&from=YYYY-MM-DD&to=YYYY-MM-DD (both inclusive). Missing values default to the
 * current month, quarter or year in Beijing; no kind at all is the current month.
 */
export function parsePeriod(query: Record<string, unknown>, now: Date): ReportPeriod {
  const errors: FieldError[] = [];
  const bad = (field: string, message: string) => errors.push({ field, rule: 'invalid', message });
  const today = dateInRegion('cn', now);
  const curYear = Number(today.slice(0, 4));
  const curMonth = Number(today.slice(5, 7));
  const rawKind = str(query.kind) || 'month';
  const kind = (PERIOD_KINDS as readonly string[]).includes(rawKind) ? (rawKind as PeriodKind) : null;
  if (!kind) bad('kind', `one of ${PERIOD_KINDS.join(', ')}`);
  const year = (): number => {
    const y = str(query.year);
    if (!y) return curYear;
    if (!/^\d{4}$/.test(y) || !inYears(Number(y))) bad('year', `a year, YYYY, ${MIN_YEAR}–${MAX_YEAR}`);
    return Number(y);
  };
  let first: CalendarDate = `${curYear}-${pad(curMonth)}-01`;
  let next: CalendarDate = nextMonth(curYear, curMonth);
  let q: Record<string, string> = {};
  if (kind === 'month') {
    const m = str(query.month) || `${curYear}-${pad(curMonth)}`;
    const match = /^(\d{4})-(\d{2})$/.exec(m);
    if (!match || Number(match[2]) < 1 || Number(match[2]) > 12 || !inYears(Number(match[1]))) bad('month', 'YYYY-MM');
    else {
      first = `${m}-01`;
      next = nextMonth(Number(match[1]), Number(match[2]));
    }
    q = { kind, month: m };
  } else if (kind === 'quarter') {
    const y = year();
    const rawQ = str(query.quarter) || String(Math.ceil(curMonth / 3));
    if (!/^[1-4]$/.test(rawQ)) bad('quarter', '1 to 4');
    const n = Number(rawQ);
    first = `${y}-${pad(3 * n - 2)}-01`;
    next = nextMonth(y, 3 * n);
    q = { kind, year: String(y), quarter: rawQ };
  } else if (kind === 'year') {
    const y = year();
    first = `${y}-01-01`;
    next = `${y + 1}-01-01`;
    q = { kind, year: String(y) };
  } else if (kind === 'custom') {
    const from = str(query.from);
    const to = str(query.to);
    const dateOk = (d: string) => isCalendarDate(d) && inYears(Number(d.slice(0, 4)));
    if (!dateOk(from)) bad('from', `a date, YYYY-MM-DD, ${MIN_YEAR}–${MAX_YEAR}`);
    if (!dateOk(to)) bad('to', `a date, YYYY-MM-DD, ${MIN_YEAR}–${MAX_YEAR}`);
    if (dateOk(from) && dateOk(to)) {
      const span = daysBetween(from, to);
      if (span < 0) bad('to', 'on or after “from”');
      else if (span >= MAX_CUSTOM_DAYS) bad('to', `at most ${MAX_CUSTOM_DAYS} days after “from”`);
      first = from;
      next = plusDays(to, 1);
    }
    q = { kind, from, to };
  }
  if (errors.length) throw new ValidationError(errors);
  return {
    kind: kind as PeriodKind,
    firstDay: first,
    lastDay: plusDays(next, -1),
    from: startOfDayInRegion('cn', first),
    to: startOfDayInRegion('cn', next),
    query: q,
  };
}
