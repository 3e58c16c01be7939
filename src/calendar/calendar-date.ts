/**
 * Calendar dates ('YYYY-MM-DD', no time, no zone) and the regions whose working days we count.
 *
 * A deadline in law is a number of days, so the calendar works on dates, not instants. An
 * instant (a `Date`, e.g. when a counter-notice was received) becomes the date it falls on in the
 * region's time zone: 2025-09-30T17:00Z is 2025-10-01 01:00 in Shanghai, so for 'cn' it is
 * 2025-10-01 (a holiday); for 'us' it is 2025-09-30 (13:00 in New York). Date arithmetic is done
 * on UTC midnights, where every day has 24 hours, so daylight saving time never shifts a date.
 */
export const REGIONS = ['cn', 'us'] as const;
export type Region = (typeof REGIONS)[number];

export const REGION_TIME_ZONE: Record<Region, string> = { cn: 'Asia/Shanghai', us: 'America/New_York' };

/** 'YYYY-MM-DD' in the proleptic Gregorian calendar. */
export type CalendarDate = string;

const DAY_MS = 86_400_000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

export const isRegion = (v: unknown): v is Region =>
  typeof v === 'string' && (REGIONS as readonly string[]).includes(v);

/** True for a well-formed date that exists (2026-02-30 does not). */
export function isCalendarDate(v: unknown): v is CalendarDate {
  if (typeof v !== 'string') return false;
  const m = DATE_RE.exec(v);
  if (!m) return false;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Date(ms).toISOString().slice(0, 10) === v;
}

function utcMs(date: CalendarDate): number {
  if (!isCalendarDate(date)) throw new RangeError(`not a calendar date (YYYY-MM-DD): ${String(date)}`);
  return Date.parse(`${date}T00:00:00Z`);
}

const fromUtcMs = (ms: number): CalendarDate => new Date(ms).toISOString().slice(0, 10);

export function plusDays(date: CalendarDate, n: number): CalendarDate {
  if (!Number.isInteger(n)) throw new RangeError(`days must be an integer: ${n}`);
  return fromUtcMs(utcMs(date) + n * DAY_MS);
}

/** Whole days from a to b (negative when b is earlier). */
export const daysBetween = (a: CalendarDate, b: CalendarDate): number => Math.round((utcMs(b) - utcMs(a)) / DAY_MS);

/** 0 = Sunday … 6 = Saturday. */
export const weekday = (date: CalendarDate): number => new Date(utcMs(date)).getUTCDay();

export const isWeekend = (date: CalendarDate): boolean => {
  const d = weekday(date);
  return d === 0 || d === 6;
};

export const yearOf = (date: CalendarDate): number => Number(date.slice(0, 4));

const formatters = new Map<string, Intl.DateTimeFormat>();
function partsIn(instant: Date, timeZone: string): Record<string, number> {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  const out: Record<string, number> = {};
  for (const p of f.formatToParts(instant)) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out;
}

/** The date an instant falls on in a region's time zone. */
export function dateInRegion(region: Region, instant: Date): CalendarDate {
  if (Number.isNaN(instant.getTime())) throw new RangeError('invalid Date');
  const p = partsIn(instant, REGION_TIME_ZONE[region]);
  return `${String(p.year).padStart(4, '0')}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** A date as is, or the date an instant falls on in the region. */
export function toRegionDate(region: Region, d: CalendarDate | Date): CalendarDate {
  if (d instanceof Date) return dateInRegion(region, d);
  utcMs(d); // throws on a malformed date
  return d;
}

/** The instant a date begins (00:00 local) in a region's time zone, e.g. to schedule a timer for that day. */
export function startOfDayInRegion(region: Region, date: CalendarDate): Date {
  const wall = utcMs(date);
  const offsetAt = (ms: number) => {
    const p = partsIn(new Date(ms), REGION_TIME_ZONE[region]);
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000;
  };
  let guess = wall - offsetAt(wall);
  guess = wall - offsetAt(guess);
  return new Date(guess);
}
