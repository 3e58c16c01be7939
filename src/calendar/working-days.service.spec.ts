import { CalendarCache } from './working-days.service';
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
