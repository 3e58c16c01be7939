import type { DataSource, EntityManager } from 'typeorm';
import type { CalendarDate, Region } from './calendar-date';
import type { OverrideKind } from './working-day-calendar';
import { returnedRows } from '../database/returned-rows';

type Db = DataSource | EntityManager;

export interface OverrideRow {
  id: string;
  region: Region;
  date: CalendarDate;
  kind: OverrideKind;
  note: string;
  /** Display name of the admin who added it (null if the account is gone). */
  createdBy: string | null;
  createdAt: Date;
}

export interface OverrideInput {
  region: Region;
  date: CalendarDate;
  kind: OverrideKind;
  note: string;
}

// date::text: node-pg would turn a DATE into a local-midnight Date; the calendar wants the string.
const COLUMNS = `o.id, o.region, o.date::text AS date, o.kind, o.note, o.created_at, u.display_name AS created_by`;

const toRow = (r: Record<string, unknown>): OverrideRow => ({
  id: r.id as string,
  region: r.region as Region,
  date: r.date as string,
  kind: r.kind as OverrideKind,
  note: r.note as string,
  createdBy: (r.created_by as string | null) ?? null,
  createdAt: r.created_at as Date,
});

/** Overrides of one year (every region, or one), by date. */
export async function listOverrides(db: Db, filter: { year?: number; region?: Region } = {}): Promise<OverrideRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.year !== undefined) {
    params.push(`${filter.year}-01-01`, `${filter.year + 1}-01-01`);
    where.push(`o.date >= $${params.length - 1}::date AND o.date < $${params.length}::date`);
  }
  if (filter.region) {
    params.push(filter.region);
    where.push(`o.region = $${params.length}`);
  }
  const rows = await db.query<Array<Record<string, unknown>>>(
    `SELECT ${COLUMNS} FROM calendar_override o LEFT JOIN staff_user u ON u.id = o.created_by
     ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY o.date, o.region`,
    params,
  );
  return rows.map(toRow);
}

/** Every override of a region, for the calendar (a few rows a year; the unique key serves it). */
export async function overridesOfRegion(
  db: Db,
  region: Region,
): Promise<Array<{ date: CalendarDate; kind: OverrideKind; note: string }>> {
  return db.query(`SELECT date::text AS date, kind, note FROM calendar_override WHERE region = $1`, [region]);
}

/** Inserts one; null when the region already has an override for that date. */
export async function insertOverride(
  tx: EntityManager,
  input: OverrideInput,
  createdBy: string,
): Promise<{ id: string } | null> {
  const rows = await tx.query<Array<{ id: string }>>(
    `INSERT INTO calendar_override (region, date, kind, note, created_by) VALUES ($1, $2::date, $3, $4, $5)
     ON CONFLICT ON CONSTRAINT calendar_override_region_date_key DO NOTHING RETURNING id`,
    [input.region, input.date, input.kind, input.note, createdBy],
  );
  return rows[0] ?? null;
}

/** Deletes the override of a region's date; returns what it was, or null if there was none. */
export async function deleteOverride(
  tx: EntityManager,
  region: Region,
  date: CalendarDate,
): Promise<{ id: string; kind: OverrideKind; note: string } | null> {
  const res = await tx.query<unknown[]>(
    `DELETE FROM calendar_override WHERE region = $1 AND date = $2::date RETURNING id, kind, note`,
    [region, date],
  );
  const rows = returnedRows<{ id: string; kind: OverrideKind; note: string }>(res);
  return rows[0] ?? null;
}
