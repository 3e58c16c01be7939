import { ValidationError } from '../common/domain-error';
import { parsePeriod } from './report-period';

describe('report periods (whole days in Beijing time)', () => {
  // 2026-11-27 02:00 in Beijing: still 26 November in UTC.
  const now = new Date('2026-11-26T18:00:00Z');

  it('defaults to the current month in Beijing', () => {
    const p = parsePeriod({}, now);
    expect([p.kind, p.firstDay, p.lastDay]).toEqual(['month', '2026-11-01', '2026-11-30']);
    expect(p.from.toISOString()).toBe('2026-10-31T16:00:00.000Z');
    expect(p.to.toISOString()).toBe('2026-11-30T16:00:00.000Z');
  });

  it('reads months, quarters, years and custom dates', () => {
    const days = (q: Record<string, string>) => {
      const p = parsePeriod(q, now);
      return [p.firstDay, p.lastDay];
    };
    expect(days({ kind: 'month', month: '2024-02' })).toEqual(['2024-02-01', '2024-02-29']);
    expect(days({ kind: 'month', month: '2025-12' })).toEqual(['2025-12-01', '2025-12-31']);
    expect(days({ kind: 'quarter', year: '2025', quarter: '4' })).toEqual(['2025-10-01', '2025-12-31']);
    expect(days({ kind: 'quarter' })).toEqual(['2026-10-01', '2026-12-31']);
    expect(days({ kind: 'year', year: '2025' })).toEqual(['2025-01-01', '2025-12-31']);
    expect(days({ kind: 'custom', from: '2025-03-10', to: '2025-03-10' })).toEqual(['2025-03-10', '2025-03-10']);
  });

  it('refuses what it cannot read, naming each field', () => {
    const fields = (q: Record<string, string>) => {
      try {
        parsePeriod(q, now);
      } catch (err) {
        return (err as ValidationError).fields.map((f) => f.field).sort();
      }
      return [];
    };
    expect(fields({ kind: 'week' })).toEqual(['kind']);
    expect(fields({ kind: 'month', month: '2025-13' })).toEqual(['month']);
    expect(fields({ kind: 'quarter', year: '25', quarter: '5' })).toEqual(['quarter', 'year']);
    expect(fields({ kind: 'custom', from: '2025-02-30', to: '' })).toEqual(['from', 'to']);
    expect(fields({ kind: 'custom', from: '2025-03-10', to: '2025-03-09' })).toEqual(['to']);
    expect(fields({ kind: 'custom', from: '2020-01-01', to: '2026-01-01' })).toEqual(['to']);
    // Years outside 2000–2999, or not four digits; 9999 would end the period in year 10000 (was a RangeError, 500).
    for (const year of ['abc', '1800', '99999', '9999', '3000', '21'])
      expect([year, fields({ kind: 'year', year })]).toEqual([year, ['year']]);
    expect(fields({ kind: 'month', month: '9999-12' })).toEqual(['month']);
    expect(fields({ kind: 'custom', from: '9999-01-01', to: '9999-12-31' })).toEqual(['from', 'to']);
  });
});
