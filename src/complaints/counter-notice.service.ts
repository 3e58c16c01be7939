import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { DESK_LOCALE } from '../auth/staff-recipients.repository';
import type { MailAddress } from '../auth/staff-recipients.repository';
import { Clock } from '../common/clock';
import { DomainError, ErrorCode, NotFoundError, ValidationError } from '../common/domain-error';
import { hashToken } from '../common/tokens';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { MailOutbox } from '../mail/mail-outbox';
import { OutboxSignal } from '../mail/outbox-signal';
import type { Actor } from './complaint-guards';
import { ComplaintsService, TransitionResult } from './complaints.service';
import { checkCounterNotice, COUNTER_NOTICE_FIELDS, FILES_REQUIRED, hasCounterNotice } from './counter-notice';
import type { CounterNoticeField } from './counter-notice';
import { checkFiles, EvidenceStorage, StoredFile, UploadedPart } from './evidence-storage';
import type { Locale } from './legal-basis';
import { COMPLAINANT_TOKEN_MATCH } from './tracking.service';

const TOKEN = /^[A-Za-z0-9_-]{40,64}$/;
/** States in which an owner's fix is still useful: the decision's remedies stand. */
const FIX_STATES = ['actioned', 'counter_notice_review', 'restoration_pending', 'litigation_hold', 'appeal_review'];

/** The owner's private link resolved: the case and whose link it is (null: a link from before links were per owner). */
interface OwnerLink {
  id: string;
  reference: string;
  state: string;
  version: number;
  legal_basis: string;
  owner_email: string | null;
}

export interface OwnerView {
  reference: string;
  state: string;
  legalBasis: string;
  reason: string | null;
  decidedAt: Date | null;
  /** The notice as the basis forwards it (DESIGN.md; README "Counter-notices and restoration"). */
  notice: {
    complainantName: string | null;
    organisation: string | null;
    actingFor: string | null;
    work: { description: string; url?: string } | null;
    explanation: string | null;
    receivedAt: Date;
  };
  items: Array<{
    position: number;
    kind: string;
    title: string;
    url: string;
    detail: string | null;
    remedy: string | null;
    reversed: boolean;
  }>;
  /** This owner's latest counter-notice and its outcome. */
  counterNotice: {
    status: string;
    reason: string | null;
    createdAt: Date;
    restoreAt: Date | null;
  } | null;
  restorationDueAt: Date | null;
  /** Which answers are open now. */
  can: { counterNotice: boolean; fix: boolean };
  /** The counter-notice's fields for this basis (none: eu-dsa and accuracy appeal instead). */
  fields: readonly CounterNoticeField[];
  filesRequired: boolean;
}

/**
 * The content owner's answers through their private link (a fix, a counter-notice) and the
 * complainant's proof of a suit or a complaint to an authority through theirs. Files are checked
 * like evidence (type sniffed, size and count limits), stored, and removed again when the step
 * fails. A counter-notice is the edge actioned -> counter_notice_review, taken as the content owner.
 */
@Injectable()
export class CounterNoticeService {
  constructor(
    private readonly db: DataSource,
    private readonly complaints: ComplaintsService,
    private readonly storage: EvidenceStorage,
    private readonly mail: MailOutbox,
    private readonly audit: AuditService,
    private readonly signal: OutboxSignal,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private async link(token: string): Promise<OwnerLink> {
    if (!TOKEN.test(token)) throw new NotFoundError('No notice for this link');
    const [c] = await this.db.query<OwnerLink[]>(
      `SELECT c.id, c.reference, c.state, c.version, c.legal_basis, l.owner_email
         FROM access_link l JOIN complaint c ON c.id = l.complaint_id
        WHERE l.token_hash = $1 AND l.party = 'content_owner' AND (l.expires_at IS NULL OR l.expires_at > now())`,
      [hashToken(token)],
    );
    if (!c) throw new NotFoundError('No notice for this link');
    return c;
  }

  /** What the owner's page shows: only this owner's items, and the notice as the law forwards it. */
  async view(token: string): Promise<OwnerView> {
    const l = await this.link(token);
    const [c] = await this.db.query<
      Array<{
        decision_reason: string | null;
        complainant: { name: string; organisation?: string; actingFor?: string };
        original_work: { description: string; url?: string } | null;
        explanation: string;
        received_at: Date;
        restoration_due_at: Date | null;
        decided_at: Date | null;
      }>
    >(
      `SELECT c.decision_reason, c.complainant, c.original_work, c.explanation, c.received_at, c.restoration_due_at,
              (SELECT max(remedy_applied_at) FROM complaint_item WHERE complaint_id = c.id) AS decided_at
         FROM complaint c WHERE c.id = $1`,
      [l.id],
    );
    const items = await this.db.query<OwnerView['items']>(
      `SELECT i.position, i.kind, a.title, a.url, i.detail, i.remedy, i.remedy_reversed_at IS NOT NULL AS reversed
         FROM complaint_item i JOIN article a ON a.id = i.article_id
        WHERE i.complaint_id = $1 AND ($2::text IS NULL OR lower(a.owner_email) = $2) ORDER BY i.position`,
      [l.id, l.owner_email],
    );
    const [cn] = l.owner_email
      ? await this.db.query<
          Array<{ status: string; reason: string | null; created_at: Date; restore_at: Date | null }>
        >(
          `SELECT status, reason, created_at, restore_at FROM counter_notice
            WHERE complaint_id = $1 AND owner_email = $2 ORDER BY created_at DESC LIMIT 1`,
          [l.id, l.owner_email],
        )
      : [];
    const basis = l.legal_basis;
    // 条例 Art. 15 and 民法典 Art. 1195 forward the notice; a DMCA notice names the rights holder.
    // Contact details (email, phone, address) and identity documents stay with the desk (PIPL Art. 6);
    // a DSA or accuracy notice does not name its sender (DSA Art. 17(3): only where strictly necessary).
    const forwards = hasCounterNotice(basis);
    return {
      reference: l.reference,
      state: l.state,
      legalBasis: basis,
      reason: c.decision_reason,
      decidedAt: c.decided_at,
      notice: {
        complainantName: forwards ? c.complainant.name : null,
        organisation: forwards ? (c.complainant.organisation ?? null) : null,
        actingFor: forwards ? (c.complainant.actingFor ?? null) : null,
        // The work claimed: a copyright notice's subject (条例 Art. 14(二), 512(c)(3)(A)(ii)).
        work: basis === 'cn-copyright' || basis === 'us-dmca' ? c.original_work : null,
        explanation: basis === 'eu-dsa' ? null : c.explanation,
        receivedAt: c.received_at,
      },
      items,
      counterNotice: cn
        ? { status: cn.status, reason: cn.reason, createdAt: cn.created_at, restoreAt: cn.restore_at }
        : null,
      restorationDueAt: c.restoration_due_at,
      can: {
        // Something to restore: a remedy that acted (not no_action) and still stands.
        counterNotice:
          forwards &&
          l.state === 'actioned' &&
          !!l.owner_email &&
          items.some((i) => i.remedy && i.remedy !== 'no_action' && !i.reversed),
        fix: FIX_STATES.includes(l.state) && !!l.owner_email,
      },
      fields: forwards ? COUNTER_NOTICE_FIELDS[basis] : [],
      filesRequired: forwards ? FILES_REQUIRED[basis] : false,
    };
  }

  /** A fix the owner made or proposes (text and files): recorded for a moderator to check; no state change. */
  async fix(token: string, text: string, parts: UploadedPart[]): Promise<{ reference: string; state: string }> {
    const l = await this.link(token);
    if (!l.owner_email || !FIX_STATES.includes(l.state))
      throw new DomainError(ErrorCode.ILLEGAL_TRANSITION, 'This case does not take a fix now');
    const { files, errors } = checkFiles(parts.map((p) => ({ ...p, fieldname: 'evidence' })));
    if (errors.length) throw new ValidationError(errors.map((e) => ({ ...e, field: 'files' })));
    if (!text.trim())
      throw new ValidationError([{ field: 'fix', rule: 'required', message: 'describe the fix you made or propose' }]);
    const stored = await this.storage.write(files);
    let state = l.state;
    try {
      await this.db.transaction(async (tx) => {
        // Checked again under the case's lock: a decision or a withdrawal that landed since the
        // page was read must not have a fix recorded against a case that no longer takes one.
        const [now] = await tx.query<Array<{ state: string }>>(`SELECT state FROM complaint WHERE id = $1 FOR UPDATE`, [
          l.id,
        ]);
        if (!now || !FIX_STATES.includes(now.state))
          throw new DomainError(ErrorCode.ILLEGAL_TRANSITION, 'This case does not take a fix now');
        state = now.state;
        const fileIds = await this.insertFiles(tx, l.id, 'response', stored);
        await tx.query(
          `INSERT INTO complaint_response (complaint_id, author, body, file_ids) VALUES ($1, 'content_owner', $2, $3)`,
          [l.id, text.trim().slice(0, 10000), fileIds],
        );
        await this.audit.append(tx, {
          actorType: 'content_owner',
          action: 'complaint.owner_fix',
          subjectType: 'complaint',
          subjectId: l.id,
          payload: {
            reference: l.reference,
            files: stored.map((f) => ({ sha256: f.sha256, sizeBytes: f.sizeBytes, contentType: f.contentType })),
          },
        });
        const staff = await this.staffAddress(tx, l.id);
        await this.mail.send(
          tx,
          'owner-response-received',
          staff.email,
          staff.locale,
          {
            reference: l.reference,
            kind: 'fix',
            caseUrl: `${this.config.publicBaseUrl}/staff/complaints/${l.reference}`,
            excerpt: text.trim().slice(0, 500),
            fileCount: stored.length,
          },
          l.id,
        );
      });
    } catch (err) {
      await this.storage.remove(stored);
      throw err;
    }
    this.signal.kick();
    return { reference: l.reference, state };
  }

  /**
   * A counter-notice: its fields checked for the basis (422 with one error per missing field),
   * then the edge actioned -> counter_notice_review as the content owner.
   */
  async counterNotice(
    token: string,
    body: Record<string, unknown>,
    parts: UploadedPart[],
    locale: Locale,
  ): Promise<TransitionResult> {
    const l = await this.link(token);
    const basis = l.legal_basis;
    if (!hasCounterNotice(basis))
      throw new DomainError(
        ErrorCode.ILLEGAL_TRANSITION,
        `A ${basis} decision has no counter-notice procedure; contest it with an appeal (DSA Art. 20)`,
      );
    if (!l.owner_email)
      throw new DomainError(ErrorCode.FORBIDDEN, 'This link is not an owner’s own link; ask us for a new one');
    if (l.state !== 'actioned')
      throw new DomainError(ErrorCode.ILLEGAL_TRANSITION, 'This case does not take a counter-notice now');
    const own = await this.db.query<Array<{ position: number }>>(
      `SELECT i.position FROM complaint_item i JOIN article a ON a.id = i.article_id
        WHERE i.complaint_id = $1 AND lower(a.owner_email) = $2 AND i.remedy IS NOT NULL AND i.remedy <> 'no_action' AND i.remedy_reversed_at IS NULL`,
      [l.id, l.owner_email],
    );
    const { files, errors: fileErrors } = checkFiles(parts.map((p) => ({ ...p, fieldname: 'evidence' })));
    const { fields, items, errors } = checkCounterNotice(
      basis,
      body,
      own.map((o) => o.position),
      files.length,
    );
    const all = [...errors, ...fileErrors.map((e) => ({ ...e, field: 'files' }))];
    if (all.length) throw new ValidationError(all);
    const stored = await this.storage.write(files);
    try {
      return await this.complaints.transition(
        {
          reference: l.reference,
          to: 'counter_notice_review',
          version: l.version,
          counterNotice: { ownerEmail: l.owner_email, locale, items, fields, files: stored },
        },
        { role: 'content_owner', id: null },
      );
    } catch (err) {
      await this.storage.remove(stored);
      throw err;
    }
  }

  /** The complainant's proof of a suit or complaint (restoration_pending): recorded, staff told; no state change. */
  async litigationProof(token: string, text: string, parts: UploadedPart[]): Promise<{ reference: string }> {
    if (!TOKEN.test(token)) throw new NotFoundError('No case for this tracking link');
    const [c] = await this.db.query<Array<{ id: string; reference: string; state: string }>>(
      `SELECT c.id, c.reference, c.state FROM complaint c WHERE ${COMPLAINANT_TOKEN_MATCH}`,
      [hashToken(token)],
    );
    if (!c) throw new NotFoundError('No case for this tracking link');
    if (c.state !== 'restoration_pending')
      throw new DomainError(ErrorCode.ILLEGAL_TRANSITION, 'No restoration is pending on this case');
    const { files, errors } = checkFiles(parts.map((p) => ({ ...p, fieldname: 'evidence' })));
    if (errors.length) throw new ValidationError(errors.map((e) => ({ ...e, field: 'files' })));
    if (!files.length)
      throw new ValidationError([
        {
          field: 'files',
          rule: 'required',
          message: 'attach the court’s or the authority’s acceptance of your filing',
        },
      ]);
    const stored = await this.storage.write(files);
    try {
      await this.db.transaction(async (tx) => {
        // Checked again under the case's lock: two filings queue up (the second supersedes the
        // first instead of failing on the one-pending index), and a case the timer restored
        // meanwhile takes no proof.
        const [now] = await tx.query<Array<{ state: string }>>(`SELECT state FROM complaint WHERE id = $1 FOR UPDATE`, [
          c.id,
        ]);
        if (now?.state !== 'restoration_pending')
          throw new DomainError(ErrorCode.ILLEGAL_TRANSITION, 'No restoration is pending on this case');
        const fileIds = await this.insertFiles(tx, c.id, 'litigation', stored);
        // A newer proof replaces one not yet decided.
        await tx.query(
          `UPDATE litigation_proof SET status = 'refused', decided_at = now(), reason = 'superseded by a newer filing'
            WHERE complaint_id = $1 AND status = 'pending'`,
          [c.id],
        );
        const [row] = await tx.query<Array<{ id: string }>>(
          `INSERT INTO litigation_proof (complaint_id, body, file_ids) VALUES ($1, $2, $3) RETURNING id`,
          [c.id, text.trim().slice(0, 10000), fileIds],
        );
        await this.audit.append(tx, {
          actorType: 'complainant',
          action: 'litigation_proof.filed',
          subjectType: 'complaint',
          subjectId: c.id,
          payload: {
            reference: c.reference,
            litigationProof: row.id,
            files: stored.map((f) => ({ sha256: f.sha256, sizeBytes: f.sizeBytes, contentType: f.contentType })),
          },
        });
        const staff = await this.staffAddress(tx, c.id);
        await this.mail.send(
          tx,
          'owner-response-received',
          staff.email,
          staff.locale,
          {
            reference: c.reference,
            kind: 'litigation_proof',
            caseUrl: `${this.config.publicBaseUrl}/staff/complaints/${c.reference}`,
            excerpt: text.trim().slice(0, 500),
            fileCount: stored.length,
          },
          c.id,
        );
      });
    } catch (err) {
      await this.storage.remove(stored);
      throw err;
    }
    this.signal.kick();
    return { reference: c.reference };
  }

  /**
   * Staff refuse the complainant's proof with reasons: the case stays in restoration_pending, its
   * date unchanged, and the complainant is told (not an edge: the state does not change).
   */
  async refuseLitigationProof(reference: string, reason: string, actor: Actor): Promise<{ reference: string }> {
    if (!reason.trim())
      throw new ValidationError([
        { field: 'reason', rule: 'required', message: 'give the reasons for refusing the proof' },
      ]);
    await this.db.transaction(async (tx) => {
      const [c] = await tx.query<
        Array<{
          id: string;
          state: string;
          assignee_id: string | null;
          legal_basis: string;
          locale: Locale;
          complainant: { name: string; email: string };
          restoration_due_at: Date | null;
        }>
      >(
        `SELECT id, state, assignee_id, legal_basis, locale, complainant, restoration_due_at FROM complaint
          WHERE reference = $1 FOR UPDATE`,
        [reference],
      );
      if (!c) throw new NotFoundError(`No case ${reference}`);
      if (actor.role !== 'admin' && c.assignee_id !== actor.id)
        throw new DomainError(ErrorCode.FORBIDDEN, 'This case is assigned to someone else; claim it first');
      if (c.state !== 'restoration_pending')
        throw new DomainError(ErrorCode.ILLEGAL_TRANSITION, 'No restoration is pending on this case');
      const [proof] = await tx.query<Array<{ id: string }>>(
        `UPDATE litigation_proof SET status = 'refused', decided_by = $2, decided_at = $3, reason = $4
          WHERE complaint_id = $1 AND status = 'pending' RETURNING id`,
        [c.id, actor.id, this.clock.now(), reason.trim()],
      );
      if (!proof)
        throw new DomainError(
          ErrorCode.CONFLICT,
          'The complainant has not sent proof of a suit or complaint to decide on',
        );
      await this.audit.append(tx, {
        actorType: actor.role,
        actorId: actor.id,
        action: 'litigation_proof.refused',
        subjectType: 'complaint',
        subjectId: c.id,
        payload: { reference, litigationProof: proof.id, reason: reason.trim() },
      });
      await this.mail.send(
        tx,
        'litigation-proof-refused',
        c.complainant.email,
        c.locale,
        {
          reference,
          complainantName: c.complainant.name,
          legalBasis: c.legal_basis,
          reason: reason.trim(),
          restoreAt: (c.restoration_due_at ?? this.clock.now()).toISOString(),
          trackingUrl: null,
        },
        c.id,
      );
    });
    this.signal.kick();
    return { reference };
  }

  private async insertFiles(
    tx: Pick<DataSource, 'query'>,
    complaintId: string,
    purpose: 'response' | 'litigation',
    files: StoredFile[],
  ): Promise<string[]> {
    const ids: string[] = [];
    for (const f of files) {
      const [row] = await tx.query<Array<{ id: string }>>(
        `INSERT INTO evidence_file (complaint_id, purpose, original_name, content_type, size_bytes, sha256, storage_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
        [complaintId, purpose, f.originalName, f.contentType, f.sizeBytes, f.sha256, f.storageKey],
      );
      ids.push(row.id);
    }
    return ids;
  }

  private async staffAddress(tx: Pick<DataSource, 'query'>, complaintId: string): Promise<MailAddress> {
    const [s] = await tx.query<MailAddress[]>(
      `SELECT s.email, s.locale FROM complaint c JOIN staff_user s ON s.id = c.assignee_id WHERE c.id = $1`,
      [complaintId],
    );
    return s ?? { email: this.config.contactEmail, locale: DESK_LOCALE };
  }
}
