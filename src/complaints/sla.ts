import { plusDays, Region, startOfDayInRegion, toRegionDate } from '../calendar/calendar-date';
import type { CalendarDate } from '../calendar/calendar-date';
import type { WorkingDayCalendar } from '../calendar/working-day-calendar';
import type { SlaPeriod } from '../config/config';

export type { SlaPeriod, SlaUnit } from '../config/config';

const HOUR_MS = 3_600_000;

/**
 * Whose working days a case's service levels count (by its legal basis, LEGAL_BASES): the
 * calendar of the law the notice rests on, else the desk's own.
 *   cn-copyright, cn-personal-rights  China: public holidays and 调休 make-up working days
 *   us-dmca                           US federal business days (17 U.S.C. 512(g) counts them)
 *   accuracy                          the desk's calendar: China
 *   eu-dsa                            the DSA sets no day count (Art. 16(6): "timely, diligent,
 *                                     non-arbitrary"), so the desk's own calendar: China
 */
export function slaRegion(basis: string): Region {
  return basis === 'us-dmca' ? 'us' : 'cn';
}

/**
 * When a period that starts at `from` ends.
 *   hours         `from` + n hours
 *   days          `from` + n × 24 hours (calendar days, the way NEEDS_INFO_DAYS always counted)
 *   working_days  the end of the n-th working day after the date `from` falls on in the
 *                 calendar's region (the start date is never counted, as statutes count):
 *                 23:59:59 local time of that day
 */
export function periodEnd(period: SlaPeriod, from: Date, cal: WorkingDayCalendar): Date {
  switch (period.unit) {
    case 'hours':
      return new Date(from.getTime() + period.amount * HOUR_MS);
    case 'days':
      return new Date(from.getTime() + period.amount * 24 * HOUR_MS);
    case 'working_days': {
      const last = cal.addWorkingDays(toRegionDate(cal.region, from), period.amount);
      return endOfDay(cal.region, last);
    }
  }
}

/** 23:59:59 local time of a date in a region: the last second of a day-counted deadline. */
export function endOfDay(region: Region, date: CalendarDate): Date {
  return new Date(startOfDayInRegion(region, plusDays(date, 1)).getTime() - 1000);
}

/**
 * How far a due time is, in the case's calendar, signed: positive while time is left, negative
 * once overdue.
 *   hours        whole hours, rounded away from zero (20 minutes late is 1 hour late)
 *   workingDays  left: working days d with today < d <= the due date; overdue: working days d
 *                with the due date < d <= today (negated). Dates in the calendar's region.
 */
export interface TimeLeft {
  hours: number;
  workingDays: number;
  calendar: Region;
}

export function timeLeft(dueAt: Date, now: Date, cal: WorkingDayCalendar): TimeLeft {
  const ms = dueAt.getTime() - now.getTime();
  const hours = Math.sign(ms) * Math.ceil(Math.abs(ms) / HOUR_MS);
  const today = toRegionDate(cal.region, now);
  const dueDay = toRegionDate(cal.region, dueAt);
  const workingDays = ms > 0 ? cal.workingDaysBetween(today, dueDay) : -cal.workingDaysBetween(dueDay, today);
  return { hours: hours === 0 ? 0 : hours, workingDays: workingDays === 0 ? 0 : workingDays, calendar: cal.region };
}

/**
 * How a queue row says it (a key of the i18n dictionaries and its figure): in working days once a
 * day or more is left or lost and a working day lies in between, else in hours.
 */
export function timeLeftPhrase(t: TimeLeft): { key: string; n: number } {
  const late = t.hours < 0;
  const days = Math.abs(t.workingDays);
  const hours = Math.abs(t.hours);
  if (days >= 1 && hours >= 24)
    return { key: `queue.${late ? 'late' : 'left'}.workingDays.${days === 1 ? 'one' : 'other'}`, n: days };
  return { key: `queue.${late ? 'late' : 'left'}.hours.${hours === 1 ? 'one' : 'other'}`, n: hours };
}
