import { plusDays, startOfDayInRegion, toRegionDate } from '../calendar/calendar-date';
import type { CalendarDate } from '../calendar/calendar-date';
import type { WorkingDayCalendar } from '../calendar/working-day-calendar';
import type { AppConfig } from '../config/config';

export interface RestorationDate {
  /** When the restoration_due timer fires (the remedies are reversed at its next run). */
  at: Date;
  /** The last day of the period, in the region's calendar (null: restore at once). */
  lastDay: CalendarDate | null;
  region: 'cn' | 'us';
}

/**
 * When a case whose counter-notice was found valid is restored, per legal basis:
 *
 *  cn-copyright  条例 Art. 17: restore promptly (立即) after the counter-notice. N =
 *                RESTORE_CN_COPYRIGHT_WORKING_DAYS (default 0: at the decision, i.e. the next timer
 *                run); N > 0 counts Chinese working days (调休 included) from the decision and
 *                restores when the N-th working day has ended.
 *  cn-personal-rights  民法典 Art. 1196: after a reasonable period (合理期限) from when the declaration
 *                reached the complainant (it is mailed on the decision). N = RESTORE_PERSONAL_RIGHTS_DAYS
 *                (default 15) counted as the Civil Code counts periods: calendar days, the decision's day
 *                not counted (Art. 201), and a period ending on a public holiday or rest day ends on the
 *                next working day instead (Art. 203, so 调休 make-up days count as working days); the
 *                period ends at 24:00 of its last day (Art. 203), so restoration is at the start of the
 *                next day, Beijing time.
 *  us-dmca       17 U.S.C. 512(g)(2)(C): not less than 10 nor more than 14 business days following
 *                receipt of the counter-notice. N = RESTORE_DMCA_BUSINESS_DAYS (10..14) US federal
 *                business days after the day the counter-notice was received (New York time); restored
 *                when the N-th business day has ended (the start of the next calendar day), so at least
 *                N whole business days have passed and the 15th has not begun. A review decided later
 *                than that restores at the decision.
 */
export function restorationDate(
  basis: string,
  receivedAt: Date,
  decidedAt: Date,
  settings: AppConfig['restoration'],
  calendars: { cn: WorkingDayCalendar; us: WorkingDayCalendar },
): RestorationDate {
  const afterLastDay = (region: 'cn' | 'us', lastDay: CalendarDate): RestorationDate => {
    const at = startOfDayInRegion(region, plusDays(lastDay, 1));
    return { at: at.getTime() < decidedAt.getTime() ? decidedAt : at, lastDay, region };
  };
  switch (basis) {
    case 'cn-copyright': {
      const n = settings.cnCopyrightWorkingDays;
      if (n <= 0) return { at: decidedAt, lastDay: null, region: 'cn' };
      return afterLastDay('cn', calendars.cn.addWorkingDays(toRegionDate('cn', decidedAt), n));
    }
    case 'cn-personal-rights': {
      let last = plusDays(toRegionDate('cn', decidedAt), settings.personalRightsDays);
      while (!calendars.cn.isWorkingDay(last)) last = plusDays(last, 1);
      return afterLastDay('cn', last);
    }
    case 'us-dmca':
      return afterLastDay('us', calendars.us.addWorkingDays(toRegionDate('us', receivedAt), settings.dmcaBusinessDays));
    default:
      throw new Error(`no counter-notice restoration under ${basis}`);
  }
}
