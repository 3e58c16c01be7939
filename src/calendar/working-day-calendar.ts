import { CalendarDate, daysBetween, isWeekend, plusDays, Region } from './calendar-date';
import { sourceDay } from './holiday-sources';

export type OverrideKind = 'working' | 'holiday';

/** Why a date is or is not a working day, in order of precedence. */
export interface DayExplanation {
  date: CalendarDate;
  working: boolean;
  /** override: an admin's entry; package: the holiday package; weekend/weekday: the fallback. */
  source: 'override' | 'package' | 'weekend' | 'weekday';
  name?: string;
}

/** Long enough for any legal period; a calendar with no working day in ten years is a data error. */
const MAX_SCAN_DAYS = 3660;

/**
 * One region's working days: an admin override wins, then the package (holidays and 调休 make-up
 * working days), then Monday–Friday. Pure: the overrides are handed in (WorkingDays loads them).
 *
 * Counting convention, as statutes count ("within 10 business days after receipt"): the start
 * date itself is never counted. addWorkingDays(from, n) is the n-th working day after `from`
 * (n = 0 gives `from`); workingDaysBetween(a, b) counts the working days d with a < d <= b, so
 * workingDaysBetween(a, addWorkingDays(a, n)) === n.
 */
export class WorkingDayCalendar {
  constructor(
    readonly region: Region,
    private readonly overrides: ReadonlyMap<CalendarDate, { kind: OverrideKind; note?: string }> = new Map(),
  ) {}

  explain(date: CalendarDate): DayExplanation {
    const o = this.overrides.get(date);
    if (o) return { date, working: o.kind === 'working', source: 'override', name: o.note || undefined };
    const s = sourceDay(this.region, date);
    if (s) return { date, working: s.kind === 'working', source: 'package', name: s.name };
    return isWeekend(date) ? { date, working: false, source: 'weekend' } : { date, working: true, source: 'weekday' };
  }

  isWorkingDay(date: CalendarDate): boolean {
    return this.explain(date).working;
  }

  addWorkingDays(from: CalendarDate, n: number): CalendarDate {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`working days must be a whole number >= 0: ${n}`);
    let d = from;
    let left = n;
    let scanned = 0;
    while (left > 0) {
      d = plusDays(d, 1);
      if (this.isWorkingDay(d)) {
        left--;
        scanned = 0;
      } else if (++scanned > MAX_SCAN_DAYS) {
        throw new RangeError(`no working day in ${this.region} for ${MAX_SCAN_DAYS} days after ${from}`);
      }
    }
    return d;
  }

  workingDaysBetween(a: CalendarDate, b: CalendarDate): number {
    const span = daysBetween(a, b);
    if (span < 0) return -this.workingDaysBetween(b, a);
    let count = 0;
    for (let i = 1; i <= span; i++) if (this.isWorkingDay(plusDays(a, i))) count++;
    return count;
  }

  addCalendarDays(from: CalendarDate, n: number): CalendarDate {
    return plusDays(from, n);
  }
}
