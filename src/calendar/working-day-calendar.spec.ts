import { dateInRegion, isCalendarDate, startOfDayInRegion, toRegionDate, weekday } from './calendar-date';
import { coverage, sourceDay } from './holiday-sources';
import { WorkingDayCalendar } from './working-day-calendar';

/** Real data from the packages (chinese-days, @18f/us-federal-holidays); no fakes. */
describe('WorkingDayCalendar (cn): 国庆 2025 and Spring Festival 2026 with their 调休 days', () => {
  const cn = new WorkingDayCalendar('cn');

  it('knows the holidays and the make-up working days', () => {
    for (const d of ['2025-10-01', '2025-10-04', '2025-10-06', '2025-10-08']) expect(cn.isWorkingDay(d)).toBe(false);
    expect(cn.isWorkingDay('2025-09-28')).toBe(true); // a Sunday, 调休
    expect(cn.isWorkingDay('2025-10-11')).toBe(true); // a Saturday, 调休
    expect(weekday('2025-10-11')).toBe(6);
    expect(cn.isWorkingDay('2025-10-12')).toBe(false); // an ordinary Sunday
    expect(cn.explain('2025-10-01')).toMatchObject({ source: 'package', working: false });
    expect(cn.explain('2025-10-01').name).toContain('国庆');
  });

  it('10 working days from the Friday before 国庆 count Sep 28 and Oct 11 and skip Oct 1–8', () => {
    expect(cn.addWorkingDays('2025-09-26', 10)).toBe('2025-10-16');
    expect(cn.workingDaysBetween('2025-09-26', '2025-10-16')).toBe(10);
  });

  it('10 working days from Sep 30 2025 end on Oct 21 (weekends only would say Oct 14)', () => {
    expect(cn.addWorkingDays('2025-09-30', 10)).toBe('2025-10-21');
    expect(cn.workingDaysBetween('2025-09-30', '2025-10-21')).toBe(10);
    expect(cn.workingDaysBetween('2025-10-21', '2025-09-30')).toBe(-10);
  });

  it('10 working days across Spring Festival 2026 (Feb 15–23 off, Feb 14 and 28 worked)', () => {
    expect(cn.isWorkingDay('2026-02-14')).toBe(true);
    expect(cn.isWorkingDay('2026-02-28')).toBe(true);
    expect(cn.isWorkingDay('2026-02-17')).toBe(false);
    expect(cn.addWorkingDays('2026-02-12', 10)).toBe('2026-03-04');
    expect(cn.workingDaysBetween('2026-02-12', '2026-03-04')).toBe(10);
  });

  it('counts from the start date exclusively: n = 0 is the start date, a holiday start adds nothing', () => {
    expect(cn.addWorkingDays('2025-10-03', 0)).toBe('2025-10-03');
    expect(cn.addWorkingDays('2025-10-03', 1)).toBe('2025-10-09');
    expect(() => cn.addWorkingDays('2025-10-03', -1)).toThrow(RangeError);
    expect(() => cn.addWorkingDays('2025-02-30', 1)).toThrow(RangeError);
  });

  it('adds calendar days across months and leap days', () => {
    expect(cn.addCalendarDays('2025-09-30', 15)).toBe('2025-10-15');
    expect(cn.addCalendarDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(cn.addCalendarDays('2026-01-01', -1)).toBe('2025-12-31');
  });
});

describe('WorkingDayCalendar (us): DMCA 512(g)(2)(C) windows of 10 and 14 business days', () => {
  const us = new WorkingDayCalendar('us');

  it('skips Thanksgiving 2026 (Nov 26) but not the Friday after', () => {
    expect(sourceDay('us', '2026-11-26')).toEqual({ kind: 'holiday', name: 'Thanksgiving Day' });
    expect(us.isWorkingDay('2026-11-27')).toBe(true);
    expect(us.addWorkingDays('2026-11-20', 10)).toBe('2026-12-07');
    expect(us.addWorkingDays('2026-11-20', 14)).toBe('2026-12-11');
  });

  it('skips Christmas 2026 and New Year 2027 (both Fridays)', () => {
    expect(us.addWorkingDays('2026-12-18', 10)).toBe('2027-01-05');
    expect(us.addWorkingDays('2026-12-18', 14)).toBe('2027-01-11');
    expect(us.workingDaysBetween('2026-12-18', '2027-01-11')).toBe(14);
  });

  it('across an ordinary weekend: a Friday plus 10 business days is two weeks later', () => {
    expect(us.addWorkingDays('2026-03-06', 10)).toBe('2026-03-20');
    expect(us.addWorkingDays('2026-03-06', 14)).toBe('2026-03-26');
    expect(us.addWorkingDays('2026-03-07', 1)).toBe('2026-03-09'); // from a Saturday
  });

  it('observes a Saturday holiday on the Friday before, even across the year boundary', () => {
    // New Year's Day 2028 is a Saturday: observed Friday 2027-12-31; July 4 2026 is a Saturday.
    expect(us.isWorkingDay('2027-12-31')).toBe(false);
    expect(us.isWorkingDay('2026-07-03')).toBe(false);
    expect(coverage('us', 2040).covered).toBe(true);
  });
});

describe('a year the package does not cover', () => {
  it('falls back to weekends only and says so', () => {
    const cn = new WorkingDayCalendar('cn');
    expect(coverage('cn', 2025)).toMatchObject({ covered: true });
    expect(coverage('cn', 2026)).toMatchObject({ covered: true });
    expect(coverage('cn', 2099)).toMatchObject({ region: 'cn', year: 2099, covered: false });
    expect(coverage('cn', 2099).source).toMatch(/^chinese-days \d/);
    // 2099-10-01 is a Thursday: without a table it is an ordinary working day.
    expect(cn.explain('2099-10-01')).toEqual({ date: '2099-10-01', working: true, source: 'weekday' });
    expect(cn.explain('2099-10-03')).toEqual({ date: '2099-10-03', working: false, source: 'weekend' });
    expect(cn.addWorkingDays('2099-09-30', 10)).toBe('2099-10-14');
  });
});

describe('admin overrides', () => {
  it('an added holiday pushes a deadline out; removing it restores the package result', () => {
    const plain = new WorkingDayCalendar('us');
    const closed = new WorkingDayCalendar(
      'us',
      new Map([['2026-12-24', { kind: 'holiday', note: 'Executive order' }]]),
    );
    expect(plain.addWorkingDays('2026-12-18', 10)).toBe('2027-01-05');
    expect(closed.addWorkingDays('2026-12-18', 10)).toBe('2027-01-06');
    expect(closed.explain('2026-12-24')).toEqual({
      date: '2026-12-24',
      working: false,
      source: 'override',
      name: 'Executive order',
    });
  });

  it('an override wins over the package both ways', () => {
    const cn = new WorkingDayCalendar(
      'cn',
      new Map([
        ['2025-10-08', { kind: 'working' }],
        ['2025-10-11', { kind: 'holiday' }],
      ]),
    );
    expect(cn.isWorkingDay('2025-10-08')).toBe(true);
    expect(cn.isWorkingDay('2025-10-11')).toBe(false);
    // Sep 28 1, 29 2, 30 3, Oct 8 4, 9 5, 10 6, (11 off) 13 7, 14 8, 15 9, 16 10
    expect(cn.addWorkingDays('2025-09-26', 10)).toBe('2025-10-16');
    expect(cn.addWorkingDays('2025-09-30', 3)).toBe('2025-10-10');
  });

  it('a region with no working day for ten years is an error, not an endless loop', () => {
    const never = { isWorkingDay: () => false };
    const cal = Object.assign(new WorkingDayCalendar('cn'), never);
    expect(() => cal.addWorkingDays('2026-01-01', 1)).toThrow(/no working day/);
  });
});

describe('timestamps to dates', () => {
  it('maps an instant to its date in the region', () => {
    const t = new Date('2025-09-30T17:00:00Z'); // 01:00 on Oct 1 in Shanghai, 13:00 on Sep 30 in New York
    expect(dateInRegion('cn', t)).toBe('2025-10-01');
    expect(dateInRegion('us', t)).toBe('2025-09-30');
    expect(toRegionDate('us', '2025-09-30')).toBe('2025-09-30');
    expect(() => toRegionDate('us', '30/09/2025')).toThrow(RangeError);
    expect(isCalendarDate('2026-02-29')).toBe(false);
    expect(isCalendarDate('2028-02-29')).toBe(true);
  });

  it('gives the instant a date starts, with daylight saving time in New York', () => {
    expect(startOfDayInRegion('cn', '2025-10-09').toISOString()).toBe('2025-10-08T16:00:00.000Z');
    expect(startOfDayInRegion('us', '2026-01-15').toISOString()).toBe('2026-01-15T05:00:00.000Z');
    expect(startOfDayInRegion('us', '2026-03-08').toISOString()).toBe('2026-03-08T05:00:00.000Z'); // DST starts 02:00
    expect(startOfDayInRegion('us', '2026-03-09').toISOString()).toBe('2026-03-09T04:00:00.000Z');
    expect(startOfDayInRegion('us', '2026-11-01').toISOString()).toBe('2026-11-01T04:00:00.000Z'); // DST ends 02:00
  });
});
