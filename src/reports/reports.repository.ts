import { Injectable } from '@nestjs/common';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { DataSource } from 'typeorm';
import type { AuditFilters, CaseFilters } from './reports.filters';

/**
 * Every SQL statement of the reports module, in one place. Read-only: nothing here writes
 * (each statement is a plain SELECT; the export runs in a READ ONLY transaction).
 */

/**
 * The complaint an event is about, as a uuid the complaint's primary key can be probed with (a
 * text comparison on c.id::text could not use it); null for other subjects.
 */
const COMPLAINT_OF_EVENT = `(CASE WHEN e.subject_type = 'complaint' AND e.subject_id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN e.subject_id::uuid END)`;

/** A whole email address (not a part of one): local part, @, a domain with a dot. */
const WHOLE_ADDRESS = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (m) => `\\${m}`);
/** A timestamptz as text with its microseconds (UTC), so a cursor keeps the exact value. */
const exactTime = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export interface CaseRow {
  id: string;
  reference: string;
  state: string;
  legal_basis: string;
  complainant_name: string | null;
  complainant_email: string;
  article_title: string;
  received_at: Date;
  received_key: string;
  decider_id: string | null;
  decider_name: string | null;
}

export interface AuditRow {
  id: string;
  occurred_at: Date;
  actor_type: string;
  actor_id: string | null;
  actor_name: string | null;
  action: string;
  subject_type: string;
  subject_id: string;
  reference: string | null;
  legal_basis: string | null;
  payload: Record<string, unknown>;
  seal_id: string | null;
  seal_hash: string | null;
  sealed_at: Date | null;
}

class Params {
  readonly values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

function caseWhere(f: CaseFilters, p: Params): string[] {
  const w: string[] = [];
  // upper() LIKE upper(): case-insensitive like ILIKE, through complaint_reference_prefix_idx.
  if (f.reference) w.push(`upper(c.reference) LIKE upper(${p.add(`${likeEscape(f.reference)}%`)})`);
  if (f.complainant && WHOLE_ADDRESS.test(f.complainant)) {
    // A whole address finds that address's cases (intake stores it lower-cased) through
    // complaint_email_idx: its trigrams are shared by most addresses of a domain, so the trigram
    // index reads most of the table for it (58–76 ms at 1M cases).
    w.push(`c.complainant_email = ${p.add(f.complainant.toLowerCase())}`);
  } else if (f.complainant) {
    const v = p.add(`%${likeEscape(f.complainant)}%`);
    w.push(`((c.complainant ->> 'name') ILIKE ${v} OR c.complainant_email ILIKE ${v})`);
  }
  if (f.article) {
    const v = p.add(f.article);
    w.push(`EXISTS (SELECT 1 FROM complaint_item i JOIN article a ON a.id = i.article_id
                     WHERE i.complaint_id = c.id AND (a.slug = ${v} OR a.url = ${v} OR i.article_url = ${v}))`);
  }
  if (f.legalBasis) w.push(`c.legal_basis = ${p.add(f.legalBasis)}`);
  if (f.states.length) w.push(`c.state = ANY(${p.add(f.states)}::text[])`);
  if (f.deciderId) w.push(`c.decided_by = ${p.add(f.deciderId)}::uuid`);
  else if (f.deciderName) w.push(`d.display_name ILIKE ${p.add(`%${likeEscape(f.deciderName)}%`)}`);
  if (f.from) w.push(`c.received_at >= ${p.add(f.from)}::timestamptz`);
  if (f.to) w.push(`c.received_at < ${p.add(f.to)}::timestamptz`);
  return w;
}

function auditWhere(f: AuditFilters, p: Params): string[] {
  const w: string[] = [];
  if (f.actorId) w.push(`e.actor_id = ${p.add(f.actorId)}`);
  if (f.actorTypes.length) w.push(`e.actor_type = ANY(${p.add(f.actorTypes)}::text[])`);
  if (f.action) w.push(`e.action = ${p.add(f.action)}`);
  // Through audit_event_subject_idx: the case's events, not every event joined and then filtered.
  if (f.reference)
    w.push(
      `e.subject_type = 'complaint' AND e.subject_id = (SELECT r.id::text FROM complaint r WHERE r.reference = ${p.add(f.reference)})`,
    );
  if (f.legalBasis) w.push(`c.legal_basis = ${p.add(f.legalBasis)}`);
  if (f.from) w.push(`e.occurred_at >= ${p.add(f.from)}::timestamptz`);
  if (f.to) w.push(`e.occurred_at < ${p.add(f.to)}::timestamptz`);
  return w;
}

/**
 * The audit events under the filters with their case and the seal whose event_ids holds each
 * (found from audit_seal_last_event_idx: the seals whose last event is at or above the event's id,
 * nearest first). `order` is 'desc' for the browser (newest first), 'asc' for the export.
 */
function auditStatement(
  f: AuditFilters,
  afterId: string | undefined,
  order: 'asc' | 'desc',
  limit: number,
  ids?: IdBounds,
) {
  const p = new Params();
  const w = auditWhere(f, p);
  if (afterId) w.push(`e.id ${order === 'desc' ? '<' : '>'} ${p.add(afterId)}::bigint`);
  if (ids) w.push(`e.id BETWEEN ${p.add(ids.lo)}::bigint AND ${p.add(ids.hi)}::bigint`);
  const dir = order === 'desc' ? 'DESC' : 'ASC';
  // The page's events are picked first (LIMIT inside), then given their case, actor and seal: with
  // the joins above the LIMIT, a date range let the planner join every event of the range and sort
  // afterwards (0.1–0.8 s for a day at 10M events).
  const text = `
    SELECT e.id, e.occurred_at, e.actor_type, e.actor_id, u.display_name AS actor_name, e.action,
           e.subject_type, e.subject_id, c.reference, c.legal_basis, e.payload,
           s.id AS seal_id, s.hash AS seal_hash, s.sealed_at
      FROM (SELECT e.id, e.occurred_at, e.actor_type, e.actor_id, e.action, e.subject_type, e.subject_id, e.payload
              FROM audit_event e
              ${f.legalBasis ? `JOIN complaint c ON c.id = ${COMPLAINT_OF_EVENT}` : ''}
             ${w.length ? `WHERE ${w.join(' AND ')}` : ''}
             ORDER BY e.id ${dir}
             LIMIT ${p.add(limit)}) e
      LEFT JOIN complaint c ON c.id = ${COMPLAINT_OF_EVENT}
      LEFT JOIN staff_user u ON e.actor_type IN ('moderator', 'admin') AND u.id::text = e.actor_id
      LEFT JOIN LATERAL (
        SELECT s.id, s.hash, s.sealed_at FROM audit_seal s
         WHERE s.event_ids[cardinality(s.event_ids)] >= e.id AND e.id = ANY(s.event_ids)
         ORDER BY s.event_ids[cardinality(s.event_ids)] LIMIT 1) s ON true
     ORDER BY e.id ${dir}`;
  return { text, values: p.values };
}

/** Ids that hold every event of a date range (lo <= id <= hi). */
interface IdBounds {
  lo: string;
  hi: string;
}

@Injectable()
export class ReportsRepository {
  private readonly pool: Pool;

  constructor(db: DataSource) {
    this.pool = (db.driver as unknown as { master: Pool }).master;
  }

  private async q<T extends QueryResultRow>(text: string, values: unknown[]): Promise<T[]> {
    return (await this.pool.query<T>(text, values)).rows;
  }

  /** Cases in any state, newest received first, keyset on (received_at, id); one row more than `limit`. */
  cases(f: CaseFilters): Promise<CaseRow[]> {
    const p = new Params();
    const w = caseWhere(f, p);
    if (f.cursor)
      w.push(`(c.received_at, c.id) < (${p.add(f.cursor.receivedAt)}::timestamptz, ${p.add(f.cursor.id)}::uuid)`);
    return this.q<CaseRow>(
      `SELECT c.id, c.reference, c.state, c.legal_basis, c.complainant ->> 'name' AS complainant_name,
              c.complainant_email, c.article_title, c.received_at, ${exactTime('c.received_at')} AS received_key,
              c.decided_by AS decider_id, d.display_name AS decider_name
         FROM complaint c LEFT JOIN staff_user d ON d.id = c.decided_by
        ${w.length ? `WHERE ${w.join(' AND ')}` : ''}
        ORDER BY c.received_at DESC, c.id DESC
        LIMIT ${p.add(f.limit + 1)}`,
      p.values,
    );
  }

  /**
   * One page of the audit log, newest first, keyset on id; one row more than `limit`. With a date
   * range, the range's id bounds and the page are read in one REPEATABLE READ snapshot, so an event
   * committed between the two statements cannot fall outside bounds read before it.
   */
  async audit(f: AuditFilters): Promise<AuditRow[]> {
    if (!f.from && !f.to) {
      const s = auditStatement(f, f.cursor, 'desc', f.limit + 1, undefined);
      return this.q<AuditRow>(s.text, s.values);
    }
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const ids = await this.idBounds(f, client);
      const rows =
        ids === null ? [] : (await client.query<AuditRow>(auditStatement(f, f.cursor, 'desc', f.limit + 1, ids))).rows;
      await client.query('COMMIT');
      return rows;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /**
   * For a date range, id bounds holding every event of the range, so the keyset walk on id starts
   * and stops at the range instead of passing every later (or earlier) event: the planner cannot
   * know that ids follow occurred_at, and a day a year back cost 1.3–2.8 s at 10M events.
   * The bounds come from the spans of the seals reaching into the range (audit_seal_span_idx,
   * index-only: one entry per thousand events from the range's start to now, 0.7 ms for a whole
   * 10M trail) and from the events not yet sealed: above the newest seal's low_water, normally a few
   * seconds of events, read by id; should low_water stall (a sealer down, a writer's transaction
   * left open), count(*) leaves the planner free to read the range from audit_event_time_idx
   * instead when that is smaller (min/max alone become walks of the primary key). An event of the
   * range lies within the span of its seal, so nothing is missed; the bounds may also hold a few
   * events of a seal's edge outside the range, which the page's own time filter leaves out.
   * Null: the range holds no event; undefined: no range.
   */
  private async idBounds(f: AuditFilters, db: PoolClient): Promise<IdBounds | null | undefined> {
    if (!f.from && !f.to) return undefined;
    const from = f.from ?? '-infinity';
    const to = f.to ?? 'infinity';
    // A statement of its own, so the tail's scan below is planned for the actual low_water.
    const [water] = (
      await db.query<{ low_water: string }>(`SELECT low_water::text FROM audit_seal ORDER BY id DESC LIMIT 1`)
    ).rows;
    const [b] = (
      await db.query<{ lo: string | null; hi: string | null }>(
        `SELECT least(s.lo, t.lo)::text AS lo, greatest(s.hi, t.hi)::text AS hi
           FROM (SELECT min(first_id) AS lo, max(last_id) AS hi FROM audit_seal
                  WHERE last_at >= $1::timestamptz AND first_at < $2::timestamptz) s,
                (SELECT min(id) AS lo, max(id) AS hi, count(*) AS n FROM audit_event
                  WHERE id > $3::bigint AND occurred_at >= $1::timestamptz AND occurred_at < $2::timestamptz) t`,
        [from, to, water?.low_water ?? '0'],
      )
    ).rows;
    return b.lo === null || b.hi === null ? null : { lo: b.lo, hi: b.hi };
  }

  /**
   * The whole filtered set in id order, `chunk` rows at a time (a keyset loop: each chunk is one
   * query starting after the last id, so memory holds one chunk whatever the size of the set).
   * The chunks are read in one REPEATABLE READ, READ ONLY transaction: one snapshot for the export.
   */
  async *exportAudit(f: AuditFilters, chunk = 1000): AsyncGenerator<AuditRow[]> {
    const client = await this.pool.connect();
    let open = false;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      open = true;
      const ids = await this.idBounds(f, client);
      let after: string | undefined;
      for (;;) {
        if (ids === null) break; // the range holds no event
        const s = auditStatement(f, after, 'asc', chunk, ids);
        const rows = (await client.query<AuditRow>(s.text, s.values)).rows;
        if (rows.length) yield rows;
        if (rows.length < chunk) break;
        after = rows[rows.length - 1].id;
      }
      await client.query('COMMIT');
      open = false;
    } finally {
      // Also when the reader stops early (the client went away): end the read-only transaction.
      if (open) await client.query('ROLLBACK').catch(() => undefined);
      client.release();
    }
  }
}
