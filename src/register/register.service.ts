import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { StaffPrincipal } from '../auth/auth.decorators';
import { AuditService } from '../audit/audit.service';
import { NotFoundError, ValidationError } from '../common/domain-error';
import type { Remedy } from '../complaints/complaint-item.entity';
import type { LegalBasis, RequesterCategory } from '../complaints/legal-basis';
import { statementOf, StatementOfReasons } from './statement-of-reasons';
import type { DecisionGround, StatementCategory } from '../complaints/decision-ground';

/**
 * A case is in the public register when a decision applied a measure to at least one of its items
 * (a remedy other than no_action, applied): that is what "led to a removal or other action" means
 * here, whatever state the case is in now (actioned, counter_notice_review, restoration_pending,
 * litigation_hold, restored, appeal_review, closed, and withdrawn after a measure). Undecided,
 * rejected, duplicate and not-processed cases have none, so they are not in it.
 */
const IN_REGISTER = `EXISTS (SELECT 1 FROM complaint_item ri WHERE ri.complaint_id = c.id
                              AND ri.remedy IS NOT NULL AND ri.remedy <> 'no_action' AND ri.remedy_applied_at IS NOT NULL)`;

export interface RegisterItem {
  position: number;
  kind: 'article' | 'image' | 'passage';
  /** null where the title may itself be what was unlawful (see titleShown). */
  articleTitle: string | null;
  articleSlug: string | null;
  imageNumber: number | null;
  remedy: Remedy | null;
  appliedAt: Date | null;
  reversedAt: Date | null;
}

export interface RegisterEntry {
  reference: string;
  legalBasis: LegalBasis;
  requesterCategory: RequesterCategory;
  organisation: string | null;
  receivedAt: Date;
  decidedAt: Date | null;
  state: string;
  items: RegisterItem[];
  counterNotices: Array<{ status: string; decidedAt: Date }>;
}

export type RegisterLookup = { kind: 'entry'; entry: RegisterEntry } | { kind: 'withheld' } | { kind: 'absent' };

interface CaseRow {
  id: string;
  reference: string;
  legal_basis: LegalBasis;
  requester_category: RequesterCategory;
  organisation: string | null;
  complainant_name: string | null;
  received_at: Date;
  state: string;
  withheld: boolean;
}

/**
 * The organisation the requester stated, only where it is an organisation: never for a person
 * concerned (whose "organisation" would be their employer: personal data), never the party an
 * agent acts for (who may be a private person), never a value that contains the requester's name.
 */
export function publicOrganisation(
  category: RequesterCategory,
  organisation: string | null,
  name: string | null,
): string | null {
  const org = organisation?.trim();
  if (!org || category === 'person_concerned') return null;
  const n = name?.trim().toLowerCase();
  if (n && (org.toLowerCase().includes(n) || n.includes(org.toLowerCase()))) return null;
  return org;
}

/** A decided case as its statement is built from: structured columns only (no free text a party wrote). */
interface StatementRow {
  id: string;
  reference: string;
  legal_basis: LegalBasis;
  content_date: Date | null;
  decision_ground: DecisionGround | null;
  decision_category: StatementCategory | null;
  decision_legal_ground: string | null;
  decision_ground_explanation: string | null;
}

@Injectable()
export class RegisterService {
  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditService,
  ) {}

  private async caseRow(reference: string): Promise<CaseRow | null> {
    const rows = await this.db.query<CaseRow[]>(
      `SELECT c.id, c.reference, c.legal_basis, c.requester_category, c.complainant->>'organisation' AS organisation,
              c.complainant->>'name' AS complainant_name, c.received_at, c.state,
              EXISTS (SELECT 1 FROM notice_withholding w WHERE w.complaint_id = c.id) AS withheld
         FROM complaint c WHERE c.reference = $1 AND ${IN_REGISTER}`,
      [reference],
    );
    return rows[0] ?? null;
  }

  private async items(complaintId: string, legalBasis: LegalBasis): Promise<RegisterItem[]> {
    const rows = await this.db.query<
      Array<{
        position: number;
        kind: RegisterItem['kind'];
        title: string;
        slug: string;
        article_status: string;
        image_number: number | null;
        remedy: Remedy | null;
        remedy_applied_at: Date | null;
        remedy_reversed_at: Date | null;
      }>
    >(
      `SELECT i.position, i.kind, a.title, a.slug, a.status AS article_status,
              (SELECT count(*)::int FROM article_image o WHERE o.article_id = a.id AND o.position <= img.position) AS image_number,
              i.remedy, i.remedy_applied_at, i.remedy_reversed_at
         FROM complaint_item i JOIN article a ON a.id = i.article_id
         LEFT JOIN article_image img ON img.id = i.image_id
        WHERE i.complaint_id = $1 ORDER BY i.position`,
      [complaintId],
    );
    // The title is left out where it may be what was unlawful: a removed article (as the 451 page
    // does) and any personality-rights case (the title may name the person).
    const titleShown = (status: string) => status !== 'removed' && legalBasis !== 'cn-personal-rights';
    return rows.map((r) => ({
      position: r.position,
      kind: r.kind,
      articleTitle: titleShown(r.article_status) ? r.title : null,
      articleSlug: titleShown(r.article_status) ? r.slug : null,
      imageNumber: r.kind === 'image' ? r.image_number : null,
      remedy: r.remedy,
      appliedAt: r.remedy_applied_at,
      reversedAt: r.remedy_reversed_at,
    }));
  }

  /** The public entry of a case, or whether it is withheld or absent. */
  async lookup(reference: string): Promise<RegisterLookup> {
    const c = await this.caseRow(reference);
    if (!c) return { kind: 'absent' };
    if (c.withheld) return { kind: 'withheld' };
    const [items, counters] = await Promise.all([
      this.items(c.id, c.legal_basis),
      this.db.query<Array<{ status: string; decided_at: Date }>>(
        `SELECT status, decided_at FROM counter_notice
          WHERE complaint_id = $1 AND status <> 'pending' AND decided_at IS NOT NULL ORDER BY decided_at`,
        [c.id],
      ),
    ]);
    const applied = items.map((i) => i.appliedAt?.getTime()).filter((t): t is number => t !== undefined);
    return {
      kind: 'entry',
      entry: {
        reference: c.reference,
        legalBasis: c.legal_basis,
        requesterCategory: c.requester_category,
        organisation: publicOrganisation(c.requester_category, c.organisation, c.complainant_name),
        receivedAt: c.received_at,
        decidedAt: applied.length ? new Date(Math.min(...applied)) : null,
        state: c.state,
        items,
        counterNotices: counters.map((r) => ({ status: r.status, decidedAt: r.decided_at })),
      },
    };
  }

  /** An admin withholds an entry from the public register; one audit event. */
  async withhold(
    reference: string,
    reason: unknown,
    actor: StaffPrincipal,
  ): Promise<{ reference: string; withheldAt: string }> {
    const text = typeof reason === 'string' ? reason.trim() : '';
    if (!text || text.length > 2000)
      throw new ValidationError([
        { field: 'reason', rule: 'required', message: 'give a reason (at most 2000 characters)' },
      ]);
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<Array<{ id: string }>>(
        `SELECT id FROM complaint c WHERE c.reference = $1 AND ${IN_REGISTER}`,
        [reference],
      );
      if (!rows[0]) throw new NotFoundError('No register entry with that reference');
      const saved = await tx.query<Array<{ withheld_at: Date }>>(
        `INSERT INTO notice_withholding (complaint_id, reason, withheld_by) VALUES ($1, $2, $3)
         ON CONFLICT (complaint_id) DO UPDATE SET reason = EXCLUDED.reason, withheld_by = EXCLUDED.withheld_by, withheld_at = now()
         RETURNING withheld_at`,
        [rows[0].id, text, actor.id],
      );
      await this.audit.append(tx, {
        actorType: actor.role,
        actorId: actor.id,
        action: 'register.withheld',
        subjectType: 'complaint',
        subjectId: rows[0].id,
        payload: { reason: text },
      });
      return { reference, withheldAt: saved[0].withheld_at.toISOString() };
    });
  }

  /** What an admin sees of an entry: whether it is in the register and, if withheld, why, by whom, when. */
  async adminView(reference: string): Promise<{
    reference: string;
    withheld: { reason: string; withheldAt: Date; by: string | null } | null;
  }> {
    const rows = await this.db.query<
      Array<{ reference: string; reason: string | null; withheld_at: Date | null; by: string | null }>
    >(
      `SELECT c.reference, w.reason, w.withheld_at, s.display_name AS by
         FROM complaint c LEFT JOIN notice_withholding w ON w.complaint_id = c.id
         LEFT JOIN staff_user s ON s.id = w.withheld_by
        WHERE c.reference = $1 AND ${IN_REGISTER}`,
      [reference],
    );
    const r = rows[0];
    if (!r) throw new NotFoundError('No register entry with that reference');
    return {
      reference: r.reference,
      withheld: r.reason !== null ? { reason: r.reason, withheldAt: r.withheld_at as Date, by: r.by } : null,
    };
  }

  /** An admin publishes a withheld entry again; one audit event. */
  async release(reference: string, actor: StaffPrincipal): Promise<void> {
    await this.db.transaction(async (tx) => {
      const rows = await tx.query<Array<{ complaint_id: string }>>(
        `DELETE FROM notice_withholding w USING complaint c
          WHERE w.complaint_id = c.id AND c.reference = $1 RETURNING w.complaint_id`,
        [reference],
      );
      const deleted = (Array.isArray(rows[0]) ? rows[0] : rows) as Array<{ complaint_id: string }>;
      if (!deleted[0]) throw new NotFoundError('No withheld register entry with that reference');
      await this.audit.append(tx, {
        actorType: actor.role,
        actorId: actor.id,
        action: 'register.released',
        subjectType: 'complaint',
        subjectId: deleted[0].complaint_id,
      });
    });
  }

  private async facts(rows: StatementRow[]) {
    if (rows.length === 0) return [];
    const items = await this.db.query<
      Array<{
        complaint_id: string;
        kind: RegisterItem['kind'];
        remedy: Remedy | null;
        remedy_applied_at: Date | null;
        remedy_reversed_at: Date | null;
      }>
    >(
      `SELECT complaint_id, kind, remedy, remedy_applied_at, remedy_reversed_at FROM complaint_item
        WHERE complaint_id = ANY($1::uuid[]) ORDER BY complaint_id, position`,
      [rows.map((r) => r.id)],
    );
    return rows
      .map((r) =>
        statementOf({
          reference: r.reference,
          legalBasis: r.legal_basis,
          contentDate: r.content_date,
          recorded:
            r.decision_ground && r.decision_category
              ? {
                  ground: r.decision_ground,
                  category: r.decision_category,
                  legalGround: r.decision_legal_ground ?? '',
                  explanation: r.decision_ground_explanation ?? '',
                }
              : null,
          items: items
            .filter((i) => i.complaint_id === r.id)
            .map((i) => ({
              kind: i.kind,
              remedy: i.remedy,
              appliedAt: i.remedy_applied_at,
              reversedAt: i.remedy_reversed_at,
            })),
        }),
      )
      .filter((s): s is StatementOfReasons => s !== null);
  }

  private readonly statementSelect = `SELECT c.id, c.reference, c.legal_basis, c.decision_ground, c.decision_category,
      c.decision_legal_ground, c.decision_ground_explanation,
      (SELECT min(a.published_at) FROM complaint_item i JOIN article a ON a.id = i.article_id WHERE i.complaint_id = c.id) AS content_date
    FROM complaint c`;

  /** The statement of one decision (admin); 404 when the case restricted nothing. */
  async statement(reference: string): Promise<StatementOfReasons> {
    const rows = await this.db.query<StatementRow[]>(
      `${this.statementSelect} WHERE c.reference = $1 AND ${IN_REGISTER}`,
      [reference],
    );
    const [s] = await this.facts(rows);
    if (!s) throw new NotFoundError('No statement of reasons for that reference');
    return s;
  }

  /** Statements of the decisions first applied in [from, to) (admin), oldest first, at most 1000. */
  async statements(from: Date, to: Date): Promise<StatementOfReasons[]> {
    const rows = await this.db.query<StatementRow[]>(
      `${this.statementSelect}
        JOIN LATERAL (SELECT min(remedy_applied_at) AS applied FROM complaint_item
                       WHERE complaint_id = c.id AND remedy IS NOT NULL AND remedy <> 'no_action') d ON true
        WHERE d.applied >= $1 AND d.applied < $2 ORDER BY d.applied, c.reference LIMIT 1000`,
      [from, to],
    );
    return this.facts(rows);
  }
}
