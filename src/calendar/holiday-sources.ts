import { allForYear } from '@18f/us-federal-holidays';
// The package's data table (its API answers weekends-only for years it lacks, without saying so).
import chineseDays from 'chinese-days/dist/chinese-days.json';
import { version as chineseDaysVersion } from 'chinese-days/package.json';
import { version as usHolidaysVersion } from '@18f/us-federal-holidays/package.json';
import { CalendarDate, Region, yearOf } from './calendar-date';

/** What the bundled package says about one date: a holiday, a make-up working day (调休), or nothing. */
export interface SourceDay {
  kind: 'holiday' | 'working';
  /** e.g. '国庆节 National Day'. */
  name: string;
}

export interface Coverage {
  region: Region;
  year: number;
  /** false: the package has no table for the year; only weekends (and overrides) count. */
  covered: boolean;
  source: string;
}

/** chinese-days stores "English name,中文名,n" per date. */
function cnEntry(value: string): string {
  const [en, zh] = value.split(',');
  return zh && en ? `${zh} ${en}` : value;
}

const CN_HOLIDAYS = chineseDays.holidays as Record<string, string>;
const CN_WORKDAYS = chineseDays.workdays as Record<string, string>;
const CN_YEARS = new Set(Object.keys(CN_HOLIDAYS).map((d) => Number(d.slice(0, 4))));

/**
 * US federal holidays (5 U.S.C. 6103) are rules, not tables, so every year is covered; a
 * holiday on a Saturday is observed on the Friday before, on a Sunday the Monday after (so New
 * Year's Day 2028, a Saturday, is observed on 2027-12-31). One-off closings by executive order are
 * admin overrides.
 */
const usYears = new Map<number, Map<CalendarDate, string>>();
function usHolidays(year: number): Map<CalendarDate, string> {
  let m = usYears.get(year);
  if (!m) {
    m = new Map();
    for (const y of [year, year + 1]) {
      for (const h of allForYear(y)) if (yearOf(h.dateString) === year) m.set(h.dateString, h.name);
    }
    usYears.set(year, m);
  }
  return m;
}

export const CN_SOURCE = `chinese-days ${chineseDaysVersion}`;
export const US_SOURCE = `@18f/us-federal-holidays ${usHolidaysVersion}`;

export function coverage(region: Region, year: number): Coverage {
  if (region === 'us') return { region, year, covered: true, source: US_SOURCE };
  return { region, year, covered: CN_YEARS.has(year), source: CN_SOURCE };
}

/** The package's word on a date, or null (then the weekday decides). */
export function sourceDay(region: Region, date: CalendarDate): SourceDay | null {
  if (region === 'us') {
    const name = usHolidays(yearOf(date)).get(date);
    return name ? { kind: 'holiday', name } : null;
  }
  const holiday = CN_HOLIDAYS[date];
  if (holiday) return { kind: 'holiday', name: cnEntry(holiday) };
  const working = CN_WORKDAYS[date];
  if (working) return { kind: 'working', name: cnEntry(working) };
  return null;
}

/** Every dated entry of the package for a year, in date order (for the admin page). */
export function sourceDaysOfYear(region: Region, year: number): Array<SourceDay & { date: CalendarDate }> {
  const out: Array<SourceDay & { date: CalendarDate }> = [];
  if (region === 'us') {
    for (const [date, name] of usHolidays(year)) out.push({ date, kind: 'holiday', name });
  } else {
    const prefix = `${year}-`;
    for (const [date, v] of Object.entries(CN_HOLIDAYS))
      if (date.startsWith(prefix)) out.push({ date, kind: 'holiday', name: cnEntry(v) });
    for (const [date, v] of Object.entries(CN_WORKDAYS))
      if (date.startsWith(prefix)) out.push({ date, kind: 'working', name: cnEntry(v) });
  }
  return out.sort((a, b) => a.date.localeCompare(b.date));
}
