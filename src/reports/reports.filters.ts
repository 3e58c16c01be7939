import { ValidationError } from '../common/domain-error';
import type { FieldError } from '../common/domain-error';
import { COMPLAINT_STATES } from '../complaints/complaint-state';
import { LEGAL_BASES } from '../complaints/legal-basis';

export const REPORTS_DEFAULT_LIMIT = 50;
export const REPORTS_MAX_LIMIT = 200;
export const ACTOR_TYPES = ['complainant', 'content_owner', 'moderator', 'admin', 'system', 'cms'] as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY = /^\d{4}-\d\d-\d\d$/;
const INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,6})?)?(Z|[+-]\d\d:\d\d)?$/;

export interface CaseCursor {
  receivedAt: string;
  id: string;
}

export interface CaseFilters {
  reference?: string;
  complainant?: string;
  article?: string;
  legalBasis?: string;
  states: string[];
  deciderId?: string;
  deciderName?: string;
  from?: string;
  to?: string;
  limit: number;
  cursor?: CaseCursor;
}

export interface AuditFilters {
  actorId?: string;
  actorTypes: string[];
  action?: string;
  reference?: string;
  legalBasis?: string;
  from?: string;
  to?: string;
  limit: number;
  /** The id of the last event of the previous page. */
  cursor?: string;
}

const one = (v: unknown): string | undefined => {
  if (Array.isArray(v)) return v.map((x) => String(x)).join(',');
  if (typeof v === 'string') return v.trim() || undefined;
  return undefined;
};

class Collector {
  readonly errors: FieldError[] = [];
  bad(field: string, rule: string, message: string): void {
    this.errors.push({ field, rule, message });
  }
  text(query: Record<string, unknown>, field: string, max = 200): string | undefined {
    const v = one(query[field]);
    if (v && v.length > max) this.bad(field, 'tooLong', `at most ${max} characters`);
    return v;
  }
  list(query: Record<string, unknown>, field: string, allowed: readonly string[]): string[] {
    const out: string[] = [];
    for (const s of (one(query[field]) ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean)) {
      if (!allowed.includes(s)) this.bad(field, 'invalid', `${s} is not one of ${allowed.join(', ')}`);
      else if (!out.includes(s)) out.push(s);
    }
    return out;
  }
  /** `from` is inclusive; a day as `to` includes that whole day (UTC), an instant is exclusive. */
  range(query: Record<string, unknown>): { from?: string; to?: string } {
    const from = one(query.from);
    const to = one(query.to);
    const ok = (v: string) => (DAY.test(v) || INSTANT.test(v)) && !Number.isNaN(Date.parse(v));
    if (from && !ok(from)) this.bad('from', 'invalid', 'a date (YYYY-MM-DD) or an ISO 8601 time');
    if (to && !ok(to)) this.bad('to', 'invalid', 'a date (YYYY-MM-DD) or an ISO 8601 time');
    const toValue =
      to && DAY.test(to) && ok(to) ? new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000).toISOString() : to;
    return { from: from && DAY.test(from) ? `${from}T00:00:00Z` : from, to: toValue };
  }
  limit(query: Record<string, unknown>): number {
    const raw = one(query.limit);
    const limit = raw === undefined ? REPORTS_DEFAULT_LIMIT : Number(raw);
    if (!Number.isInteger(limit) || limit < 1 || limit > REPORTS_MAX_LIMIT)
      this.bad('limit', 'range', `a whole number from 1 to ${REPORTS_MAX_LIMIT}`);
    return limit;
  }
  done(what: string): void {
    if (this.errors.length) throw new ValidationError(this.errors, `The ${what} filters are invalid`);
  }
}

export function encodeCaseCursor(c: CaseCursor): string {
  return Buffer.from(JSON.stringify([c.receivedAt, c.id])).toString('base64url');
}

function decodeCaseCursor(raw: string): CaseCursor | undefined {
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(raw)) return undefined;
    const v: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (!Array.isArray(v) || v.length !== 2) return undefined;
    const [receivedAt, id] = v as unknown[];
    if (typeof id !== 'string' || !UUID.test(id)) return undefined;
    if (typeof receivedAt !== 'string' || !INSTANT.test(receivedAt) || Number.isNaN(Date.parse(receivedAt)))
      return undefined;
    return { receivedAt, id };
  } catch {
    return undefined;
  }
}

/** GET /api/v1/cases and /staff/cases; empty values mean "no filter"; every bad value is a 422 field error. */
export function parseCaseQuery(query: Record<string, unknown>): CaseFilters {
  const c = new Collector();
  const decider = c.text(query, 'decider');
  const legalBasis = one(query.legalBasis);
  if (legalBasis && !(LEGAL_BASES as readonly string[]).includes(legalBasis))
    c.bad('legalBasis', 'invalid', `one of ${LEGAL_BASES.join(', ')}`);
  const cursorRaw = one(query.cursor);
  const cursor = cursorRaw ? decodeCaseCursor(cursorRaw) : undefined;
  if (cursorRaw && !cursor) c.bad('cursor', 'invalid', 'not a cursor this API returned');
  const filters: CaseFilters = {
    reference: c.text(query, 'reference'),
    complainant: c.text(query, 'complainant'),
    article: c.text(query, 'article', 2000),
    legalBasis,
    states: c.list(query, 'state', COMPLAINT_STATES),
    deciderId: decider && UUID.test(decider) ? decider : undefined,
    deciderName: decider && !UUID.test(decider) ? decider : undefined,
    ...c.range(query),
    limit: c.limit(query),
    cursor,
  };
  c.done('case');
  return filters;
}

/** GET /api/v1/audit, its export and /staff/audit. `actor` is a staff id (or any actor id); `actorType` a list. */
export function parseAuditQuery(query: Record<string, unknown>): AuditFilters {
  const c = new Collector();
  const legalBasis = one(query.legalBasis);
  if (legalBasis && !(LEGAL_BASES as readonly string[]).includes(legalBasis))
    c.bad('legalBasis', 'invalid', `one of ${LEGAL_BASES.join(', ')}`);
  const cursor = one(query.cursor);
  if (cursor && !/^[1-9]\d{0,18}$/.test(cursor)) c.bad('cursor', 'invalid', 'not a cursor this API returned');
  const filters: AuditFilters = {
    actorId: c.text(query, 'actor'),
    actorTypes: c.list(query, 'actorType', ACTOR_TYPES),
    action: c.text(query, 'action'),
    reference: c.text(query, 'reference'),
    legalBasis,
    ...c.range(query),
    limit: c.limit(query),
    cursor,
  };
  c.done('audit');
  return filters;
}

/** The filters back as a query string (for page links and the export link), without cursor and limit. */
export function filterQuery(query: Record<string, unknown>, keys: readonly string[]): URLSearchParams {
  const out = new URLSearchParams();
  for (const k of keys) {
    const v = one(query[k]);
    if (v) out.set(k, v);
  }
  return out;
}
