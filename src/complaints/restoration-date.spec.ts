import { WorkingDayCalendar } from '../calendar/working-day-calendar';
import { loadConfig } from '../config/config';
import { restorationDate } from './restoration-date';

/**
 * Restoration dates per legal basis on the real holiday data (chinese-days for China with 调休,
 * US federal holidays), as README "Counter-notices and restoration" states them.
 */
describe('restoration date after a valid counter-notice', () => {
  const cals = { cn: new WorkingDayCalendar('cn'), us: new WorkingDayCalendar('us') };
  const defaults = { cnCopyrightWorkingDays: 0, personalRightsDays: 15, dmcaBusinessDays: 10 };
  const at = (basis: string, received: string, decided: string, settings = defaults) =>
    restorationDate(basis, new Date(received), new Date(decided), settings, cals);

  describe('cn-copyright (条例 Art. 17: promptly)', () => {
    it('by default restores at the decision: the next timer run', () => {
      expect(at('cn-copyright', '2026-09-29T01:00:00Z', '2026-09-30T03:00:00Z')).toEqual({
        at: new Date('2026-09-30T03:00:00Z'),
        lastDay: null,
        region: 'cn',
      });
    });

    it('configured in working days, skips 国庆 and counts its make-up day', () => {
      // Decided 30 Sep 2026: 1–7 Oct are the holiday, 8 and 9 Oct working days; 10 Oct (a Saturday) is a make-up day.
      expect(
        at('cn-copyright', '2026-09-30T03:00:00Z', '2026-09-30T03:00:00Z', { ...defaults, cnCopyrightWorkingDays: 2 }),
      ).toMatchObject({ lastDay: '2026-10-09', at: new Date('2026-10-09T16:00:00Z') });
      expect(
        at('cn-copyright', '2026-09-30T03:00:00Z', '2026-09-30T03:00:00Z', { ...defaults, cnCopyrightWorkingDays: 3 }),
      ).toMatchObject({ lastDay: '2026-10-10' });
    });
  });

  describe('cn-personal-rights (民法典 Art. 1196, periods as Art. 201–203)', () => {
    it('counts 15 calendar days from the day after the decision', () => {
      // 3 Nov 2026 + 15 = 18 Nov (a Wednesday): restored at the start of 19 Nov, Beijing time.
      expect(at('cn-personal-rights', '2026-11-03T02:00:00Z', '2026-11-03T02:00:00Z')).toMatchObject({
        lastDay: '2026-11-18',
        at: new Date('2026-11-18T16:00:00Z'),
      });
    });

    it('a period ending in 国庆 ends on the first working day after it', () => {
      // 16 Sep + 15 = 1 Oct (holiday until 7 Oct): the period ends on 8 Oct, restoration on 9 Oct 00:00 Beijing.
      expect(at('cn-personal-rights', '2026-09-16T03:00:00Z', '2026-09-16T03:00:00Z')).toMatchObject({
        lastDay: '2026-10-08',
        at: new Date('2026-10-08T16:00:00Z'),
      });
    });

    it('a period ending in the Spring Festival ends on the first working day after it', () => {
      // 1 Feb 2026 + 15 = 16 Feb (春节 15–23 Feb): the period ends on 24 Feb.
      expect(at('cn-personal-rights', '2026-02-01T03:00:00Z', '2026-02-01T03:00:00Z')).toMatchObject({
        lastDay: '2026-02-24',
        at: new Date('2026-02-24T16:00:00Z'),
      });
    });

    it('a period ending on a 调休 make-up Saturday ends that day (it is a working day)', () => {
      // 25 Sep + 15 = 10 Oct 2026, a Saturday made a working day.
      expect(at('cn-personal-rights', '2026-09-25T03:00:00Z', '2026-09-25T03:00:00Z')).toMatchObject({
        lastDay: '2026-10-10',
      });
    });
  });

  describe('us-dmca (512(g)(2)(C): not less than 10 nor more than 14 business days after receipt)', () => {
    it('counts US business days from receipt, skipping Thanksgiving', () => {
      // Received Fri 20 Nov 2026; 26 Nov is Thanksgiving: the 10th business day is Mon 7 Dec, restored when it ends (New York).
      expect(at('us-dmca', '2026-11-20T15:00:00Z', '2026-11-23T15:00:00Z')).toMatchObject({
        lastDay: '2026-12-07',
        region: 'us',
        at: new Date('2026-12-08T05:00:00Z'),
      });
    });

    it('skips Christmas and New Year; 14 days is the latest', () => {
      expect(at('us-dmca', '2026-12-18T15:00:00Z', '2026-12-18T16:00:00Z')).toMatchObject({
        lastDay: '2027-01-05',
        at: new Date('2027-01-06T05:00:00Z'),
      });
      expect(
        at('us-dmca', '2026-12-18T15:00:00Z', '2026-12-18T16:00:00Z', { ...defaults, dmcaBusinessDays: 14 }),
      ).toMatchObject({ lastDay: '2027-01-11' });
    });

    it('a review decided after the period restores at the decision', () => {
      expect(at('us-dmca', '2026-11-20T15:00:00Z', '2026-12-20T15:00:00Z').at).toEqual(
        new Date('2026-12-20T15:00:00Z'),
      );
    });
  });

  it('configuration refuses a DMCA period outside 10–14 business days, and reads the others', () => {
    const base = { DATABASE_URL: 'postgres://x@127.0.0.1/x' };
    expect(() => loadConfig({ ...base, RESTORE_DMCA_BUSINESS_DAYS: '9' })).toThrow(/10 to 14/);
    expect(() => loadConfig({ ...base, RESTORE_DMCA_BUSINESS_DAYS: '15' })).toThrow(/10 to 14/);
    expect(() => loadConfig({ ...base, RESTORE_PERSONAL_RIGHTS_DAYS: '0' })).toThrow(/RESTORE_PERSONAL_RIGHTS_DAYS/);
    expect(
      loadConfig({
        ...base,
        RESTORE_DMCA_BUSINESS_DAYS: '14',
        RESTORE_PERSONAL_RIGHTS_DAYS: '20',
        RESTORE_CN_COPYRIGHT_WORKING_DAYS: '1',
      }).restoration,
    ).toEqual({ cnCopyrightWorkingDays: 1, personalRightsDays: 20, dmcaBusinessDays: 14 });
    expect(loadConfig(base).restoration).toEqual(defaults);
  });
});
