import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { StaffPrincipal } from '../auth/auth.decorators';
import { ConflictError, NotFoundError, ValidationError } from '../common/domain-error';
import type { FieldError } from '../common/domain-error';
import { CalendarDate, dateInRegion, isCalendarDate, isRegion, Region, REGIONS } from './calendar-date';
import { deleteOverride, insertOverride, listOverrides } from './calendar-override.repository';
import type { OverrideInput, OverrideRow } from './calendar-override.repository';
import { Coverage, coverage, SourceDay, sourceDaysOfYear } from './holiday-sources';
import { OverrideKind } from './working-day-calendar';
import { WorkingDays } from './working-days.service';

export const NOTE_MAX = 200;
/** Years the admin page and API accept. */
export const MIN_YEAR = 2000;
export const MAX_YEAR = 2100;

const KINDS: readonly OverrideKind[] = ['working', 'holiday'];
const str = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');
const err = (field: string, rule: string, message: string): FieldError => ({ field, rule, message });

export interface YearView {
  year: number;
  overrides: OverrideRow[];
  coverage: Coverage[];
  /** Coverage of the year after the current one in China: what the page's banner warns about. */
  nextYear: Coverage;
  packageDays: Record<Region, Array<SourceDay & { date: CalendarDate }>>;
}

/** Admins' overrides of the working-day calendar: checked, audited, and visible at once in this instance. */
@Injectable()
export class CalendarOverridesService {
  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly workingDays: WorkingDays,
  ) {}

  /** A year from a query string; the current year (in China) when absent. */
  parseYear(v: unknown, now = new Date()): number {
    const s = str(v);
    if (!s) return Number(dateInRegion('cn', now).slice(0, 4));
    const year = Number(s);
    if (!/^\d{4}$/.test(s) || year < MIN_YEAR || year > MAX_YEAR)
      throw new ValidationError([err('year', 'invalid', `a year from ${MIN_YEAR} to ${MAX_YEAR}`)]);
    return year;
  }

  /** Checks a form or JSON body; throws ValidationError naming every bad field. */
  parse(body: unknown): OverrideInput {
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const region = str(b.region);
    const date = str(b.date);
    const kind = str(b.kind);
    const note = str(b.note);
    const errors: FieldError[] = [];
    if (!isRegion(region)) errors.push(err('region', region ? 'invalid' : 'required', `one of ${REGIONS.join(', ')}`));
    if (!isCalendarDate(date)) errors.push(err('date', date ? 'invalid' : 'required', 'a date as YYYY-MM-DD'));
    else if (Number(date.slice(0, 4)) < MIN_YEAR || Number(date.slice(0, 4)) > MAX_YEAR)
      errors.push(err('date', 'range', `a date from ${MIN_YEAR} to ${MAX_YEAR}`));
    if (!(KINDS as readonly string[]).includes(kind))
      errors.push(err('kind', kind ? 'invalid' : 'required', 'working or holiday'));
    if (note.length > NOTE_MAX) errors.push(err('note', 'maxLength', `must be at most ${NOTE_MAX} characters`));
    if (errors.length) throw new ValidationError(errors);
    return { region: region as Region, date, kind: kind as OverrideKind, note };
  }

  /** Parses a region and date from a route (DELETE …/:region/:date); anything else is a 404. */
  key(region: string, date: string): { region: Region; date: CalendarDate } {
    if (!isRegion(region) || !isCalendarDate(date)) throw new NotFoundError('No such calendar override');
    return { region, date };
  }

  async yearView(year: number, now = new Date()): Promise<YearView> {
    const thisYear = Number(dateInRegion('cn', now).slice(0, 4));
    return {
      year,
      overrides: await listOverrides(this.db, { year }),
      coverage: REGIONS.map((r) => coverage(r, year)),
      nextYear: coverage('cn', thisYear + 1),
      packageDays: { cn: sourceDaysOfYear('cn', year), us: sourceDaysOfYear('us', year) },
    };
  }

  async list(year: number, region?: Region): Promise<OverrideRow[]> {
    return listOverrides(this.db, { year, region });
  }

  async add(input: OverrideInput, actor: StaffPrincipal): Promise<OverrideRow> {
    const id = await this.db.transaction(async (tx) => {
      const row = await insertOverride(tx, input, actor.id);
      if (!row)
        throw new ConflictError(`${input.region} already has an override for ${input.date}; remove it first`, {
          region: input.region,
          date: input.date,
        });
      await this.audit.append(tx, {
        actorType: actor.role,
        actorId: actor.id,
        action: 'calendar.override_added',
        subjectType: 'calendar_override',
        subjectId: `${input.region}:${input.date}`,
        payload: { ...input },
      });
      return row.id;
    });
    this.workingDays.invalidate(input.region);
    const rows = await listOverrides(this.db, { year: Number(input.date.slice(0, 4)), region: input.region });
    return rows.find((r) => r.id === id) as OverrideRow;
  }

  async remove(region: Region, date: CalendarDate, actor: StaffPrincipal): Promise<void> {
    await this.db.transaction(async (tx) => {
      const gone = await deleteOverride(tx, region, date);
      if (!gone) throw new NotFoundError(`${region} has no override for ${date}`);
      await this.audit.append(tx, {
        actorType: actor.role,
        actorId: actor.id,
        action: 'calendar.override_removed',
        subjectType: 'calendar_override',
        subjectId: `${region}:${date}`,
        payload: { region, date, kind: gone.kind, note: gone.note },
      });
    });
    this.workingDays.invalidate(region);
  }
}
