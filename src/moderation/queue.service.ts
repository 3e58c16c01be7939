import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { Pool, QueryResultRow } from 'pg';
import { DataSource } from 'typeorm';
import type { Region } from '../calendar/calendar-date';
import type { WorkingDayCalendar } from '../calendar/working-day-calendar';
import { WorkingDays } from '../calendar/working-days.service';
import { DomainError, ErrorCode, FieldError, ValidationError } from '../common/domain-error';
import type { ComplaintState } from '../complaints/complaint-state';
import { LEGAL_BASES } from '../complaints/legal-basis';
import type { LegalBasis } from '../complaints/legal-basis';
import { slaRegion, timeLeft } from '../complaints/sla';
import type { TimeLeft } from '../complaints/sla';

/**
 * The states a moderator or admin must act on. The partial indexes complaint_queue_idx and
 * complaint_queue_assignee_idx carry exactly this predicate, and every queue statement repeats
 * it literally so the planner can prove the index applies.
 */
export const QUEUE_STATES = [
  'received',
  'in_review',
  'needs_info',
  'escalated',
  'counter_notice_review',
  'appeal_review',
] as const satisfies readonly ComplaintState[];
export type QueueState = (typeof QUEUE_STATES)[number];

const OPEN_PREDICATE = `c.state IN (${QUEUE_STATES.map((s) => `'${s}'`).join(', ')})`;
// The exact expression of complaint_search_idx (trigram GIN): any other spelling bypasses it.
const SEARCH_EXPR = `(c.reference || ' ' || (c.complainant ->> 'name') || ' ' || c.complainant_email || ' ' || c.article_title)`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const QUEUE_DEFAULT_LIMIT = 25;
export const QUEUE_MAX_LIMIT = 100;
/** Counts are exact up to here; a state with more is reported as this and listed in countsCapped. */
export const QUEUE_COUNT_CAP = 1000;
const SEARCH_COUNT_MAX = 6 * QUEUE_COUNT_CAP;

export interface QueueFilters {
  states: QueueState[];
  legalBasis?: LegalBasis;
  assignee?: 'me' | 'nobody' | 'someone';
  overdue: boolean;
  q?: string;
  limit: number;
  cursor?: QueueCursor;
}

/** The last row of a page: due_at exactly as stored (microseconds, UTC) or null, and the id. */
export interface QueueCursor {
  dueAt: string | null;
  id: string;
}

export interface QueueItem {
  reference: string;
  state: QueueState;
  legalBasis: LegalBasis;
  articleTitle: string;
  receivedAt: Date;
  dueAt: Date | null;
  overdue: boolean;
  /**
   * How far the due time is, in the case's calendar (China, or US federal business days for
   * us-dmca), at the database's time of the read: signed whole hours and working days, negative
   * once overdue. Null without a due time.
   */
  timeLeft: TimeLeft | null;
  assignee: { id: string; displayName: string } | null;
  version: number;
  /** Filings joined to this case as duplicates. */
  duplicates: number;
}

export interface QueuePage {
  items: QueueItem[];
  nextCursor: string | null;
  counts: Record<QueueState, number>;
  /** States with more than QUEUE_COUNT_CAP matching cases: their count reads "1000 or more". */
  countsCapped: QueueState[];
  /**
   * Duplicates joined to the open cases under the current filters except `state` (capped like
   * the counts: QUEUE_COUNT_CAP means "at least"); null with a search.
   */
  duplicates: number | null;
}

interface Row {
  reference: string;
  state: QueueState;
  legal_basis: LegalBasis;
  article_title: string;
  received_at: Date;
  due_at: Date | null;
  due_key: string | null;
  id: string;
  overdue: boolean;
  read_at: Date;
  assignee_id: string | null;
  assignee_name: string | null;
  version: number;
  duplicates: number;
}

export function encodeCursor(c: QueueCursor): string {
  return Buffer.from(JSON.stringify([c.dueAt, c.id])).toString('base64url');
}

function decodeCursor(raw: string): QueueCursor | undefined {
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(raw)) return undefined;
    const v: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (!Array.isArray(v) || v.length !== 2) return undefined;
    const [dueAt, id] = v as unknown[];
    if (typeof id !== 'string' || !UUID.test(id)) return undefined;
    if (dueAt === null) return { dueAt: null, id };
    if (
      typeof dueAt !== 'string' ||
      !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$/.test(dueAt) ||
      Number.isNaN(Date.parse(dueAt))
    )
      return undefined;
    return { dueAt, id };
  } catch {
    return undefined;
  }
}

const one = (v: unknown): string | undefined => {
  if (Array.isArray(v)) return v.map((x) => String(x)).join(',');
  if (typeof v === 'string') return v;
  return undefined;
};

/**
 * Parses the query string of GET /api/v1/queue and /staff/queue; every bad value is a field
 * error (422). Empty values mean "no filter", so a GET form can submit every field.
 */
export function parseQueueQuery(query: Record<string, unknown>): QueueFilters {
  const errors: FieldError[] = [];
  const bad = (field: string, rule: string, message: string) => errors.push({ field, rule, message });

  const states: QueueState[] = [];
  for (const s of (one(query.state) ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)) {
    if ((QUEUE_STATES as readonly string[]).includes(s)) {
      if (!states.includes(s as QueueState)) states.push(s as QueueState);
    } else bad('state', 'invalid', `${s} is not an open state (${QUEUE_STATES.join(', ')})`);
  }
  const basis = one(query.legalBasis)?.trim() || undefined;
  if (basis && !(LEGAL_BASES as readonly string[]).includes(basis))
    bad('legalBasis', 'invalid', `one of ${LEGAL_BASES.join(', ')}`);
  const assignee = one(query.assignee)?.trim() || undefined;
  if (assignee && !['me', 'nobody', 'someone'].includes(assignee))
    bad('assignee', 'invalid', 'one of me, nobody, someone');
  const overdue = one(query.overdue)?.trim() || 'false';
  if (!['true', 'false'].includes(overdue)) bad('overdue', 'invalid', 'true or false');
  const q = one(query.q)?.trim() || undefined;
  if (q && q.length > 200) bad('q', 'tooLong', 'at most 200 characters');
  const limitRaw = one(query.limit)?.trim() || undefined;
  const limit = limitRaw === undefined ? QUEUE_DEFAULT_LIMIT : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > QUEUE_MAX_LIMIT)
    bad('limit', 'range', `a whole number from 1 to ${QUEUE_MAX_LIMIT}`);
  const cursorRaw = one(query.cursor)?.trim() || undefined;
  const cursor = cursorRaw ? decodeCursor(cursorRaw) : undefined;
  if (cursorRaw && !cursor) bad('cursor', 'invalid', 'not a cursor this API returned');

  if (errors.length) throw new ValidationError(errors, 'The queue filters are invalid');
  return {
    states,
    legalBasis: basis as LegalBasis | undefined,
    assignee: assignee as QueueFilters['assignee'],
    overdue: overdue === 'true',
    q,
    limit,
    cursor,
  };
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (m) => `\\${m}`);

/** One SQL statement and its parameters; `prepare` names it so each connection plans it once. */
export interface QueueStatement {
  text: string;
  values: unknown[];
  prepare: boolean;
}

/**
 * The review queue: open cases by due time, keyset-paginated on (due_at, id), with per-state
 * counts. Read-only; claiming a case is a transition and belongs to ComplaintsService.
 */
@Injectable()
export class QueueService {
  private readonly pool: Pool;

  constructor(
    private readonly db: DataSource,
    private readonly workingDays: WorkingDays,
  ) {
    this.pool = (db.driver as unknown as { master: Pool }).master;
  }

  async list(filters: QueueFilters, viewerId?: string): Promise<QueuePage> {
    const { items, counts: countStatement, searching } = this.statements(filters, viewerId);
    const [rows, counted] = await Promise.all([
      this.run<Row>(items),
      this.run<Record<string, number | string>>(countStatement),
    ]);
    const raw = Object.fromEntries(QUEUE_STATES.map((s) => [s, 0])) as Record<QueueState, number>;
    let truncated = false;
    if (searching) {
      for (const r of counted) raw[r.state as QueueState] = r.n as number;
      truncated = counted.reduce((a, r) => a + (r.n as number), 0) > SEARCH_COUNT_MAX;
    } else {
      for (const s of QUEUE_STATES) raw[s] = counted[0][s] as number;
    }
    const more = rows.length > filters.limit;
    const shown = more ? rows.slice(0, filters.limit) : rows;
    const last = shown[shown.length - 1];
    const calendars = new Map<Region, WorkingDayCalendar>();
    for (const region of new Set(shown.map((r) => slaRegion(r.legal_basis))))
      calendars.set(region, await this.workingDays.calendar(region));
    const left = (r: Row) =>
      r.due_at ? timeLeft(r.due_at, r.read_at, calendars.get(slaRegion(r.legal_basis)) as WorkingDayCalendar) : null;
    return {
      items: shown.map((r) => ({
        reference: r.reference,
        state: r.state,
        legalBasis: r.legal_basis,
        articleTitle: r.article_title,
        receivedAt: r.received_at,
        dueAt: r.due_at,
        overdue: r.overdue,
        timeLeft: left(r),
        assignee: r.assignee_id ? { id: r.assignee_id, displayName: r.assignee_name ?? '' } : null,
        version: r.version,
        duplicates: r.duplicates,
      })),
      nextCursor: more && last ? encodeCursor({ dueAt: last.due_key, id: last.id }) : null,
      counts: Object.fromEntries(QUEUE_STATES.map((s) => [s, Math.min(raw[s], QUEUE_COUNT_CAP)])) as Record<
        QueueState,
        number
      >,
      countsCapped: QUEUE_STATES.filter((s) => truncated || raw[s] > QUEUE_COUNT_CAP),
      duplicates: searching ? null : Math.min(counted[0].duplicates as number, QUEUE_COUNT_CAP),
    };
  }

  /** The unassigned received case due first, or null: what "Next case" opens. */
  async next(): Promise<string | null> {
    const rows = await this.run<{ reference: string }>({
      text: `SELECT c.reference FROM complaint c WHERE c.state = 'received' AND c.assignee_id IS NULL ORDER BY c.due_at, c.id LIMIT 1`,
      values: [],
      prepare: true,
    });
    return rows[0]?.reference ?? null;
  }

  /**
   * The two statements a page runs (the bench EXPLAINs exactly these). Without a search they
   * are prepared: planning was half their cost at 1M complaints, and their plans do not depend
   * on the values. A search pattern does change the plan, so that path is planned each time.
   */
  statements(
    filters: QueueFilters,
    viewerId?: string,
  ): { items: QueueStatement; counts: QueueStatement; searching: boolean } {
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    // Everything but the state filter and the cursor: shared by the page and the counts.
    const common = [OPEN_PREDICATE];
    if (filters.legalBasis) common.push(`c.legal_basis = ${p(filters.legalBasis)}`);
    if (filters.assignee === 'nobody') common.push('c.assignee_id IS NULL');
    if (filters.assignee === 'someone') common.push('c.assignee_id IS NOT NULL');
    if (filters.assignee === 'me') {
      if (!viewerId) throw new DomainError(ErrorCode.UNAUTHENTICATED, 'assignee=me needs a signed-in staff member');
      common.push(`c.assignee_id = ${p(viewerId)}::uuid`);
    }
    if (filters.overdue) common.push('c.due_at < now()');
    if (filters.q && filters.q.length >= 3) common.push(`${SEARCH_EXPR} ILIKE ${p(`%${likeEscape(filters.q)}%`)}`);
    // One or two characters: the start of the reference. The expression begins with the
    // reference (which has no spaces), so the anchored pattern on it still uses the GIN index.
    else if (filters.q) common.push(`${SEARCH_EXPR} ILIKE ${p(`${likeEscape(filters.q)}%`)}`);
    const searching = Boolean(filters.q);
    const counts = this.countStatement(common, [...params], searching);

    const where = [...common];
    // One state as a scalar: complaint_queue_state_idx (state, due_at, id) then gives the order.
    if (filters.states.length === 1) where.push(`c.state = ${p(filters.states[0])}`);
    else if (filters.states.length) where.push(`c.state = ANY(${p(filters.states)}::text[])`);
    const limit = p(filters.limit + 1);
    const select = (extra: string[]) =>
      `SELECT c.id, c.due_at FROM complaint c WHERE ${[...where, ...extra].join(' AND ')} ORDER BY c.due_at, c.id LIMIT ${limit}`;
    let page: string;
    const c = filters.cursor;
    if (!c) page = select([]);
    else if (c.dueAt === null) page = select([`c.due_at IS NULL AND c.id > ${p(c.id)}::uuid`]);
    else {
      // NULLS LAST as two index range scans: the dated rows after the cursor, then the undated.
      // A single `(due_at, id) > (…) OR due_at IS NULL` would be a filter, not an index bound.
      page = `(${select([`(c.due_at, c.id) > (${p(c.dueAt)}::timestamptz, ${p(c.id)}::uuid)`])}) UNION ALL (${select(['c.due_at IS NULL'])})`;
    }
    const items = `
      SELECT c.reference, c.state, c.legal_basis, c.article_title, c.received_at, c.due_at, c.id, c.version,
             to_char(c.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS due_key,
             coalesce(c.due_at < now(), false) AS overdue, now() AS read_at, c.assignee_id, s.display_name AS assignee_name,
             (SELECT count(*)::int FROM complaint d WHERE d.duplicate_of = c.id AND d.state = 'duplicate' AND d.duplicate_of IS NOT NULL) AS duplicates
        FROM (${page}) k
        JOIN complaint c ON c.id = k.id
        LEFT JOIN staff_user s ON s.id = c.assignee_id
       ORDER BY k.due_at ASC NULLS LAST, k.id
       LIMIT ${limit}`;
    return { items: { text: items, values: params, prepare: !searching }, counts, searching };
  }

  /**
   * Open cases per state, exact up to QUEUE_COUNT_CAP. An exact GROUP BY would read every open
   * case (150,000 at 1M complaints) on every page, so:
   * - without a search, one scalar subquery per state, the state a literal (planned with its
   *   own statistics; the IN list it implies is left out so the estimates stay right), each an
   *   index-only scan of complaint_queue_state_idx that stops after CAP + 1 rows;
   * - with a search, the trigram index bounds the rows: one grouped count, one index lookup,
   *   stopped after 6 × CAP rows (then every count is a lower bound).
   */
  private countStatement(where: string[], values: unknown[], searching: boolean): QueueStatement {
    if (searching) {
      return {
        text: `SELECT x.state, count(*)::int AS n FROM (SELECT c.state FROM complaint c WHERE ${where.join(' AND ')} LIMIT ${SEARCH_COUNT_MAX + 1}) x GROUP BY x.state`,
        values,
        prepare: false,
      };
    }
    const narrowed = where.filter((w) => w !== OPEN_PREDICATE);
    const perState = QUEUE_STATES.map(
      (s) =>
        `(SELECT count(*)::int FROM (SELECT 1 FROM complaint c WHERE ${[`c.state = '${s}'`, ...narrowed].join(' AND ')} LIMIT ${QUEUE_COUNT_CAP + 1}) x) AS ${s}`,
    );
    // Duplicates joined to those open cases (complaint_duplicate_of_idx), stopped at CAP + 1.
    const duplicates = `(SELECT count(*)::int FROM (SELECT 1 FROM complaint d JOIN complaint c ON c.id = d.duplicate_of WHERE ${["d.state = 'duplicate'", 'd.duplicate_of IS NOT NULL', ...where].join(' AND ')} LIMIT ${QUEUE_COUNT_CAP + 1}) x) AS duplicates`;
    return { text: `SELECT ${[...perState, duplicates].join(',\n       ')}`, values, prepare: true };
  }

  private async run<T>(s: QueueStatement): Promise<T[]> {
    const name = s.prepare ? `queue-${createHash('sha1').update(s.text).digest('hex').slice(0, 16)}` : undefined;
    const result = await this.pool.query<T & QueryResultRow>({ name, text: s.text, values: s.values });
    return result.rows;
  }
}
