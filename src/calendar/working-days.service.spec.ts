import type { DataSource } from 'typeorm';
import { CalendarCache, WorkingDays } from './working-days.service';
import type { CalendarDate } from './calendar-date';
import type { OverrideKind } from './working-day-calendar';

/** The override cache with a fake table and a controllable clock (the SQL is covered by test/calendar.e2e-spec.ts). */
describe('CalendarCache', () => {
  let rows: Array<{ date: CalendarDate; kind: OverrideKind; note: string }>;
  let now: number;
  let loads: number;
  const cache = () =>
    new CalendarCache(
      () => {
        loads++;
        return Promise.resolve([...rows]);
      },
      30_000,
      () => now,
    );

  beforeEach(() => {
    rows = [];
    now = 1_000_000;
    loads = 0;
  });

  it('an added override changes results after invalidate(); removing it changes them back', async () => {
    const c = cache();
    expect((await c.get('us')).addWorkingDays('2026-12-18', 10)).toBe('2027-01-05');
    rows.push({ date: '2026-12-24', kind: 'holiday', note: 'closed' });
    expect((await c.get('us')).addWorkingDays('2026-12-18', 10)).toBe('2027-01-05'); // cached
    c.invalidate('us');
    expect((await c.get('us')).addWorkingDays('2026-12-18', 10)).toBe('2027-01-06');
    rows = [];
    c.invalidate();
    expect((await c.get('us')).addWorkingDays('2026-12-18', 10)).toBe('2027-01-05');
  });

  it('reloads after the TTL without invalidation (another instance changed the table)', async () => {
    const c = cache();
    await c.get('cn');
    rows.push({ date: '2025-10-08', kind: 'working', note: '' });
    now += 29_999;
    expect((await c.get('cn')).isWorkingDay('2025-10-08')).toBe(false);
    now += 1;
    expect((await c.get('cn')).isWorkingDay('2025-10-08')).toBe(true);
    expect(loads).toBe(2);
  });

  it('shares one load between concurrent callers, per region, and does not cache a failure', async () => {
    const c = cache();
    await Promise.all([c.get('cn'), c.get('cn'), c.get('us')]);
    expect(loads).toBe(2);
    let fail = true;
    const flaky = new CalendarCache(() => (fail ? Promise.reject(new Error('db down')) : Promise.resolve([])));
    await expect(flaky.get('cn')).rejects.toThrow('db down');
    fail = false;
    await expect(flaky.get('cn')).resolves.toBeDefined();
  });
});

describe('WorkingDays (no database needed for these)', () => {
  const days = new WorkingDays({ query: () => Promise.resolve([]) } as unknown as DataSource);

  it('names the uncovered years a period crosses', () => {
    expect(days.uncoveredYears('cn', '2025-12-20', '2026-01-10')).toEqual([]);
    expect(days.uncoveredYears('cn', '2098-12-20', '2099-01-10')).toEqual([2098, 2099]);
    expect(days.uncoveredYears('us', '2098-12-20', '2099-01-10')).toEqual([]);
  });

  it('maps instants to the region date before counting', async () => {
    // 2025-09-30T17:00Z is Oct 1 in Shanghai (a holiday), Sep 30 in New York (a Tuesday).
    const t = new Date('2025-09-30T17:00:00Z');
    await expect(days.isWorkingDay('cn', t)).resolves.toBe(false);
    await expect(days.isWorkingDay('us', t)).resolves.toBe(true);
    await expect(days.addWorkingDays('cn', t, 1)).resolves.toBe('2025-10-09');
    expect(days.addCalendarDays('cn', t, 15)).toBe('2025-10-16');
    expect(days.startOfDay('cn', '2025-10-09').toISOString()).toBe('2025-10-08T16:00:00.000Z');
  });
});
