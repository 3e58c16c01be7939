import { Injectable } from '@nestjs/common';
import type { AuditFilters, CaseFilters } from './reports.filters';
import { encodeCaseCursor } from './reports.filters';
import { ReportsRepository } from './reports.repository';
import type { AuditRow, CaseRow } from './reports.repository';

export interface CaseListItem {
  reference: string;
  state: string;
  legalBasis: string;
  complainantName: string | null;
  complainantEmail: string;
  articleTitle: string;
  receivedAt: Date;
  decider: { id: string; displayName: string } | null;
  /** The staff case page, for open and decided cases alike. */
  href: string;
}

export interface CasePage {
  items: CaseListItem[];
  nextCursor: string | null;
}

export interface AuditItem {
  id: string;
  occurredAt: Date;
  actorType: string;
  actorId: string | null;
  actorName: string | null;
  action: string;
  subjectType: string;
  subjectId: string;
  reference: string | null;
  legalBasis: string | null;
  payload: Record<string, unknown>;
  /** The seal whose event_ids holds this event, or null: not yet sealed. */
  seal: { id: string; hash: string; sealedAt: Date } | null;
}

export interface AuditPage {
  items: AuditItem[];
  nextCursor: string | null;
}

export const AUDIT_CSV_COLUMNS = [
  'id',
  'occurred_at',
  'actor_type',
  'actor_id',
  'actor_name',
  'action',
  'subject_type',
  'subject_id',
  'reference',
  'legal_basis',
  'payload',
  'seal_id',
  'seal_hash',
] as const;

/** RFC 4180: a field with a comma, quote, CR or LF is quoted, its quotes doubled. */
export function csvField(v: string | number | Date | null | undefined): string {
  const s = v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function auditCsvLine(r: AuditRow): string {
  return (
    [
      r.id,
      r.occurred_at,
      r.actor_type,
      r.actor_id,
      r.actor_name,
      r.action,
      r.subject_type,
      r.subject_id,
      r.reference,
      r.legal_basis,
      JSON.stringify(r.payload),
      r.seal_id,
      r.seal_hash,
    ]
      .map(csvField)
      .join(',') + '\r\n'
  );
}

export function auditItem(r: AuditRow): AuditItem {
  return {
    id: r.id,
    occurredAt: r.occurred_at,
    actorType: r.actor_type,
    actorId: r.actor_id,
    actorName: r.actor_name,
    action: r.action,
    subjectType: r.subject_type,
    subjectId: r.subject_id,
    reference: r.reference,
    legalBasis: r.legal_basis,
    payload: r.payload,
    seal: r.seal_id ? { id: r.seal_id, hash: r.seal_hash ?? '', sealedAt: r.sealed_at as Date } : null,
  };
}

function caseItem(r: CaseRow): CaseListItem {
  return {
    reference: r.reference,
    state: r.state,
    legalBasis: r.legal_basis,
    complainantName: r.complainant_name,
    complainantEmail: r.complainant_email,
    articleTitle: r.article_title,
    receivedAt: r.received_at,
    decider: r.decider_id ? { id: r.decider_id, displayName: r.decider_name ?? '' } : null,
    href: `/staff/complaints/${encodeURIComponent(r.reference)}`,
  };
}

/** Read-only views over cases and the audit trail for admins. */
@Injectable()
export class ReportsService {
  constructor(private readonly repo: ReportsRepository) {}

  async cases(f: CaseFilters): Promise<CasePage> {
    const rows = await this.repo.cases(f);
    const more = rows.length > f.limit;
    const shown = more ? rows.slice(0, f.limit) : rows;
    const last = shown[shown.length - 1];
    return {
      items: shown.map(caseItem),
      nextCursor: more && last ? encodeCaseCursor({ receivedAt: last.received_key, id: last.id }) : null,
    };
  }

  async audit(f: AuditFilters): Promise<AuditPage> {
    const rows = await this.repo.audit(f);
    const more = rows.length > f.limit;
    const shown = more ? rows.slice(0, f.limit) : rows;
    return { items: shown.map(auditItem), nextCursor: more ? shown[shown.length - 1].id : null };
  }

  exportAudit(f: AuditFilters): AsyncGenerator<AuditRow[]> {
    return this.repo.exportAudit(f);
  }
}
