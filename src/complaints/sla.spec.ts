import { WorkingDayCalendar } from '../calendar/working-day-calendar';
import { endOfDay, periodEnd, slaRegion, timeLeft, timeLeftPhrase } from './sla';

const cn = new WorkingDayCalendar('cn');
const us = new WorkingDayCalendar('us');
const wd = (amount: number) => ({ amount, unit: 'working_days' as const });
/** An instant given as Beijing (UTC+8) wall time. */
const beijing = (wall: string) => new Date(`${wall}+08:00`);

describe('service levels in working days', () => {
  it('each legal basis counts in its calendar: us-dmca in US federal business days, the rest in China’s', () => {
    expect(slaRegion('us-dmca')).toBe('us');
    for (const b of ['cn-copyright', 'cn-personal-rights', 'accuracy', 'eu-dsa']) expect(slaRegion(b)).toBe('cn');
  });

  it('a period ends at 23:59:59 local time of the n-th working day after the start date', () => {
    // Thursday 2026-11-19 10:00 Beijing: 3 working days are Fri, Mon, Tue.
    expect(periodEnd(wd(3), beijing('2026-11-19T10:00:00'), cn).toISOString()).toBe('2026-11-24T15:59:59.000Z');
    // The start date counts by the region's zone: 2026-11-19 01:00 Beijing is still the 18th in UTC.
    expect(periodEnd(wd(1), beijing('2026-11-19T01:00:00'), cn)).toEqual(beijing('2026-11-20T23:59:59'));
    expect(endOfDay('us', '2026-07-06').toISOString()).toBe('2026-07-07T03:59:59.000Z'); // EDT
    expect(endOfDay('us', '2026-12-01').toISOString()).toBe('2026-12-02T04:59:59.000Z'); // EST
  });

  it('国庆 2025: Oct 1–8 off, the make-up Saturday Oct 11 counts, the make-up Sunday Sep 28 counts', () => {
    // Claimed Tuesday 30 Sep: the next working days are Thu 9 Oct, Fri 10 Oct, Sat 11 Oct (调休).
    expect(periodEnd(wd(3), beijing('2025-09-30T15:00:00'), cn)).toEqual(beijing('2025-10-11T23:59:59'));
    // Asked on Saturday 27 Sep (a rest day): Sunday 28 Sep is a make-up working day, then 29, 30, 9 Oct.
    expect(periodEnd(wd(4), beijing('2025-09-27T09:00:00'), cn)).toEqual(beijing('2025-10-09T23:59:59'));
    // Ten working days asked for information on 29 Sep end on 20 Oct (13 Oct by calendar days).
    expect(periodEnd(wd(10), beijing('2025-09-29T11:00:00'), cn)).toEqual(beijing('2025-10-20T23:59:59'));
    // Calendar days (the older NEEDS_INFO_DAYS) ignore the holiday.
    expect(periodEnd({ amount: 14, unit: 'days' }, beijing('2025-09-29T11:00:00'), cn)).toEqual(
      beijing('2025-10-13T11:00:00'),
    );
    expect(periodEnd({ amount: 72, unit: 'hours' }, beijing('2025-09-30T15:00:00'), cn)).toEqual(
      beijing('2025-10-03T15:00:00'),
    );
  });

  it('Spring Festival 2026: Feb 15–23 off, the make-up Saturdays Feb 14 and Feb 28 count', () => {
    // Friday 13 Feb: Sat 14 (调休) then Tue 24 Feb.
    expect(periodEnd(wd(2), beijing('2026-02-13T16:00:00'), cn)).toEqual(beijing('2026-02-24T23:59:59'));
    // Wednesday 25 Feb + 3: Thu 26, Fri 27, Sat 28 (调休).
    expect(periodEnd(wd(3), beijing('2026-02-25T10:00:00'), cn)).toEqual(beijing('2026-02-28T23:59:59'));
  });

  it('a DMCA case counts US federal business days: Thanksgiving and the weekend are skipped', () => {
    // Wednesday 25 Nov 2026, 10:00 in New York: Thu 26 is Thanksgiving; Fri 27, Mon 30, Tue 1 Dec.
    const from = new Date('2026-11-25T10:00:00-05:00');
    expect(periodEnd(wd(3), from, us).toISOString()).toBe('2026-12-02T04:59:59.000Z'); // 1 Dec 23:59:59 EST
    // The same instant in the Chinese calendar would end on Monday 30 Nov (Beijing).
    expect(periodEnd(wd(3), from, cn)).toEqual(beijing('2026-11-30T23:59:59'));
    // Independence Day 2026 falls on a Saturday: observed Friday 3 July.
    expect(periodEnd(wd(1), new Date('2026-07-02T12:00:00-04:00'), us).toISOString()).toBe('2026-07-07T03:59:59.000Z');
  });

  it('time left counts working days to the due date, and hours; overdue is negative', () => {
    const due = beijing('2025-10-11T23:59:59');
    // Tuesday 30 Sep 15:00: Oct 9, 10, 11 are left (the holiday week is not).
    expect(timeLeft(due, beijing('2025-09-30T15:00:00'), cn)).toEqual({ hours: 273, workingDays: 3, calendar: 'cn' });
    expect(timeLeftPhrase(timeLeft(due, beijing('2025-09-30T15:00:00'), cn))).toEqual({
      key: 'queue.left.workingDays.other',
      n: 3,
    });
    // During the holiday, still 3 working days left.
    expect(timeLeft(due, beijing('2025-10-05T12:00:00'), cn).workingDays).toBe(3);
    // On Saturday 11 Oct (the last day, a make-up working day): hours.
    const lastDay = timeLeft(due, beijing('2025-10-11T19:00:00'), cn);
    expect(lastDay).toEqual({ hours: 5, workingDays: 0, calendar: 'cn' });
    expect(timeLeftPhrase(lastDay)).toEqual({ key: 'queue.left.hours.other', n: 5 });
    // Five hours late, on Sunday: hours.
    const late = timeLeft(due, beijing('2025-10-12T04:30:00'), cn);
    expect(late).toEqual({ hours: -5, workingDays: 0, calendar: 'cn' });
    expect(timeLeftPhrase(late)).toEqual({ key: 'queue.late.hours.other', n: 5 });
    // Tuesday 14 Oct: Mon 13 and Tue 14 lost.
    const later = timeLeft(due, beijing('2025-10-14T09:00:00'), cn);
    expect(later.workingDays).toBe(-2);
    expect(timeLeftPhrase(later)).toEqual({ key: 'queue.late.workingDays.other', n: 2 });
    // Less than a day left though the due date is the next working day: hours.
    expect(timeLeftPhrase(timeLeft(beijing('2025-10-10T09:00:00'), beijing('2025-10-09T10:00:00'), cn))).toEqual({
      key: 'queue.left.hours.other',
      n: 23,
    });
    expect(timeLeftPhrase({ hours: 30, workingDays: 1, calendar: 'cn' })).toEqual({
      key: 'queue.left.workingDays.one',
      n: 1,
    });
    expect(timeLeftPhrase({ hours: -1, workingDays: 0, calendar: 'us' })).toEqual({
      key: 'queue.late.hours.one',
      n: 1,
    });
  });
});
