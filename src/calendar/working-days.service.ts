import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CalendarDate, Region, startOfDayInRegion, toRegionDate, yearOf } from './calendar-date';
import { overridesOfRegion } from './calendar-override.repository';
import { Coverage, coverage } from './holiday-sources';
import { OverrideKind, WorkingDayCalendar } from './working-day-calendar';

/** How long another instance's override change may go unseen here. This instance's own changes apply at once. */
export const OVERRIDE_CACHE_MS = 30_000;

type Loader = (region: Region) => Promise<Array<{ date: CalendarDate; kind: OverrideKind; note: string }>>;

/**
 * Keeps one WorkingDayCalendar per region, rebuilt from the overrides table when older than the
 * TTL or invalidated. Concurrent callers share one load. `now` is injectable for tests.
 */
export class CalendarCache {
  private readonly entries = new Map<Region, { at: number; cal: Promise<WorkingDayCalendar> }>();

  constructor(
    private readonly load: Loader,
    private readonly ttlMs = OVERRIDE_CACHE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  get(region: Region): Promise<WorkingDayCalendar> {
    const hit = this.entries.get(region);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.cal;
    const cal = this.load(region).then(
      (rows) => new WorkingDayCalendar(region, new Map(rows.map((r) => [r.date, { kind: r.kind, note: r.note }]))),
    );
    const entry = { at: this.now(), cal };
    this.entries.set(region, entry);
    // A failed load is not cached: the next call tries again.
    cal.catch(() => this.entries.get(region) === entry && this.entries.delete(region));
    return cal;
  }

  invalidate(region?: Region): void {
    if (region) this.entries.delete(region);
    else this.entries.clear();
  }
}

/**
 * Working days per region for deadlines (service API for timers and SLAs).
 *
 * Dates: pass a 'YYYY-MM-DD' calendar date, or a Date (an instant), which is first mapped to the
 * date it falls on in the region's time zone: Asia/Shanghai for 'cn', America/New_York for 'us'
 * (see calendar-date.ts). Results are calendar dates; startOfDay() turns one back into the instant
 * that day begins in the region, e.g. to schedule a timer.
 *
 * Counting excludes the start date: addWorkingDays(r, from, n) is the n-th working day after
 * `from`; workingDaysBetween(r, a, b) counts working days in (a, b].
 */
@Injectable()
export class WorkingDays {
  private readonly cache: CalendarCache;

  constructor(db: DataSource) {
    this.cache = new CalendarCache((region) => overridesOfRegion(db, region));
  }

  /** The region's calendar with its current overrides, for many questions at once (synchronous after this). */
  calendar(region: Region): Promise<WorkingDayCalendar> {
    return this.cache.get(region);
  }

  async isWorkingDay(region: Region, date: CalendarDate | Date): Promise<boolean> {
    return (await this.calendar(region)).isWorkingDay(toRegionDate(region, date));
  }

  async addWorkingDays(region: Region, from: CalendarDate | Date, n: number): Promise<CalendarDate> {
    return (await this.calendar(region)).addWorkingDays(toRegionDate(region, from), n);
  }

  async workingDaysBetween(region: Region, a: CalendarDate | Date, b: CalendarDate | Date): Promise<number> {
    return (await this.calendar(region)).workingDaysBetween(toRegionDate(region, a), toRegionDate(region, b));
  }

  addCalendarDays(region: Region, from: CalendarDate | Date, n: number): CalendarDate {
    return new WorkingDayCalendar(region).addCalendarDays(toRegionDate(region, from), n);
  }

  /** The date an instant falls on in the region. */
  dateOf(region: Region, instant: Date): CalendarDate {
    return toRegionDate(region, instant);
  }

  /** The instant a date begins in the region's time zone. */
  startOfDay(region: Region, date: CalendarDate): Date {
    return startOfDayInRegion(region, date);
  }

  /** Whether the holiday package has the year; false means weekends (and overrides) only. */
  coverage(region: Region, year: number): Coverage {
    return coverage(region, year);
  }

  /**
   * Years between two dates (inclusive) that the region's package does not cover: a deadline
   * counted across one of them used weekends only (plus overrides), so callers can flag it.
   */
  uncoveredYears(region: Region, a: CalendarDate | Date, b: CalendarDate | Date): number[] {
    const [from, to] = [yearOf(toRegionDate(region, a)), yearOf(toRegionDate(region, b))].sort((x, y) => x - y);
    const out: number[] = [];
    for (let y = from; y <= to; y++) if (!coverage(region, y).covered) out.push(y);
    return out;
  }

  /** Called after an override changes in this instance; other instances catch up within OVERRIDE_CACHE_MS. */
  invalidate(region?: Region): void {
    this.cache.invalidate(region);
  }
}
