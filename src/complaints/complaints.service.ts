import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { ConflictError, DomainError, ErrorCode, NotFoundError, ValidationError } from '../common/domain-error';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { MailOutbox } from '../mail/mail-outbox';
import { OutboxSignal } from '../mail/outbox-signal';
import { RemediesService } from '../articles/remedies.service';
import { fieldError } from './complaint-validation';
import { checkTransition } from './complaint-state-machine';
import { UNDECIDED_STATES } from './complaint-state';
import type { ActorRole, ComplaintState, Edge } from './complaint-state';
import { widerThanProposed } from './remedy-reach';
import { REMEDIES } from './complaint-item.entity';
import type { Remedy } from './complaint-item.entity';
import type { Locale } from './legal-basis';
import type { StoredFile } from './evidence-storage';

export interface Actor {
  role: ActorRole;
  /** Staff user id for moderator/admin; null for parties and the system. */
  id: string | null;
  name?: string;
}

export interface TransitionInput {
  reference: string;
  to: ComplaintState;
  version: number;
  reason?: string;
  missing?: string[];
  message?: string;
  remedies?: Array<{ item: number; remedy: Remedy; text?: string }>;
  note?: string;
  /** duplicate: the reference of the complainant's earlier, still undecided case. */
  duplicateOf?: string;
  /** The complainant's answer to a request for information (needs_info -> in_review). */
  answer?: { text: string; files: StoredFile[] };
}

export interface TransitionResult {
  reference: string;
  state: ComplaintState;
  version: number;
}

interface CaseRow {
  id: string;
  reference: string;
  state: ComplaintState;
  version: number;
  legal_basis: string;
  locale: Locale;
  complainant: { name: string; email: string };
  assignee_id: string | null;
  escalated_by: string | null;
  decided_by: string | null;
  decision_reason: string | null;
  proposed_remedies: Array<{ item: number; remedy: Remedy; text?: string }> | null;
  items: Array<{
    id: string;
    position: number;
    kind: string;
    article_id: string;
    image_id: string | null;
    detail: string | null;
    title: string;
    url: string;
    owner_name: string;
    owner_email: string;
  }>;
}

const APPEAL_MONTHS = 6;

/**
 * The one place that changes a complaint's state. Every transition is a guarded UPDATE
 * (WHERE state = from AND version = v), its audit event and its mail jobs, in one transaction;
 * a stale version or a lost race answers 409 and leaves nothing behind.
 */
@Injectable()
export class ComplaintsService {
  private readonly logger = new Logger('Transitions');

  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly mail: MailOutbox,
    private readonly signal: OutboxSignal,
    private readonly remedies: RemediesService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async transition(input: TransitionInput, actor: Actor): Promise<TransitionResult> {
    const result = await this.db.transaction('READ COMMITTED', async (tx) => {
      const c = await this.load(tx, input.reference);
      if (c.version !== input.version) {
        throw new ConflictError('The case changed since you loaded it; reload and try again', {
          state: c.state,
          version: c.version,
        });
      }
      const check = checkTransition(c.state, input.to, actor.role);
      if (!check.ok) {
        if (check.reason === 'FORBIDDEN')
          throw new DomainError(
            ErrorCode.FORBIDDEN,
            `A ${actor.role} may not move a case from ${c.state} to ${input.to}`,
          );
        if (check.reason === 'PROCEDURE_NOT_AVAILABLE')
          throw new DomainError(ErrorCode.PROCEDURE_NOT_AVAILABLE, check.edge.unavailable?.message ?? '', {
            from: c.state,
            to: input.to,
          });
        throw new DomainError(ErrorCode.ILLEGAL_TRANSITION, `No transition from ${c.state} to ${input.to}`, {
          from: c.state,
          to: input.to,
        });
      }
      const audit: Record<string, unknown> = {};
      const set = await this.rules(tx, c, input, actor, audit);
      this.requireNeeds(check.edge, input);
      const sets = Object.keys(set).map((col, i) => `${col} = $${i + 5}`);
      const rows = await tx.query<Array<{ version: number }>>(
        `UPDATE complaint SET state = $1, version = version + 1, updated_at = now()${sets.length ? ', ' + sets.join(', ') : ''}
          WHERE id = $2 AND state = $3 AND version = $4 RETURNING version`,
        [input.to, c.id, c.state, c.version, ...Object.values(set)],
      );
      // pg returns [rows, count] for UPDATE through TypeORM's query(); normalise.
      const updated = (Array.isArray(rows[0]) ? rows[0] : rows) as Array<{ version: number }>;
      if (updated.length === 0) throw new ConflictError('Another action on this case won; reload and try again');
      await this.audit.append(tx, {
        actorType: actor.role,
        actorId: actor.id,
        action: 'complaint.transition',
        subjectType: 'complaint',
        subjectId: c.id,
        payload: {
          reference: c.reference,
          from: c.state,
          to: input.to,
          ...(input.reason ? { reason: input.reason } : {}),
          ...(input.missing?.length ? { missing: input.missing } : {}),
          ...(set.proposed_remedies
            ? { proposedRemedies: JSON.parse(set.proposed_remedies as string) as unknown }
            : {}),
          ...(input.to === 'actioned' ? { remedies: this.finalRemedies(c, input) } : {}),
          ...audit,
        },
      });
      if (input.note?.trim()) {
        if (!actor.id) throw new DomainError(ErrorCode.FORBIDDEN, 'Only staff write internal notes');
        const [note] = await tx.query<Array<{ id: string }>>(
          `INSERT INTO complaint_note (complaint_id, author_id, body) VALUES ($1, $2, $3) RETURNING id`,
          [c.id, actor.id, input.note.trim()],
        );
        await this.audit.append(tx, {
          actorType: actor.role,
          actorId: actor.id,
          action: 'complaint.note',
          subjectType: 'complaint',
          subjectId: c.id,
          payload: { reference: c.reference, noteId: note.id },
        });
      }
      await this.sideEffects(tx, c, input);
      return { reference: c.reference, state: input.to, version: updated[0].version };
    });
    this.signal.kick();
    this.logger.log(`${result.reference} -> ${result.state} by ${actor.role}${actor.id ? ' ' + actor.id : ''}`);
    return result;
  }

  private async load(tx: EntityManager, reference: string): Promise<CaseRow> {
    const rows = await tx.query<CaseRow[]>(
      `SELECT c.id, c.reference, c.state, c.version, c.legal_basis, c.locale, c.complainant, c.assignee_id,
              c.escalated_by, c.decided_by, c.decision_reason, c.proposed_remedies,
              (SELECT json_agg(json_build_object('id', i.id, 'position', i.position, 'kind', i.kind, 'article_id', i.article_id,
                        'image_id', i.image_id, 'detail', i.detail, 'title', a.title, 'url', a.url,
                        'owner_name', a.owner_name, 'owner_email', a.owner_email) ORDER BY i.position)
                 FROM complaint_item i JOIN article a ON a.id = i.article_id WHERE i.complaint_id = c.id) AS items
         FROM complaint c WHERE c.reference = $1`,
      [reference],
    );
    if (!rows[0]) throw new NotFoundError(`No case ${reference}`);
    return rows[0];
  }

  /** Who may take this edge on this case, and what it must carry; returns the columns to set. */
  private async rules(
    tx: EntityManager,
    c: CaseRow,
    input: TransitionInput,
    actor: Actor,
    audit: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const { from, to } = { from: c.state, to: input.to };
    const staff = actor.role === 'moderator' || actor.role === 'admin';
    const reason = input.reason?.trim();
    const requireReason = () => {
      if (!reason) throw new ValidationError([fieldError('reason', 'required', 'give the reasons for this decision')]);
    };
    const requireOwnerOrAdmin = () => {
      if (staff && actor.role !== 'admin' && c.assignee_id !== actor.id) {
        throw new DomainError(ErrorCode.FORBIDDEN, 'This case is assigned to someone else; claim it first');
      }
    };
    const hours = (h: number) => `${h} hours`;
    if (to === 'duplicate') {
      const earlier = await this.earlierCase(tx, c, input.duplicateOf);
      input.duplicateOf = earlier.reference;
      audit.duplicateOf = earlier.reference;
      return { duplicate_of: earlier.id, due_at: null };
    }
    if (from === 'received' && to === 'in_review')
      return { assignee_id: actor.id, due_at: await this.dueIn(tx, hours(this.config.sla.decisionHours)) };
    if (from === 'in_review' && to === 'received') {
      requireOwnerOrAdmin();
      return { assignee_id: null };
    }
    if (to === 'needs_info') {
      requireOwnerOrAdmin();
      const missing = (input.missing ?? []).map((m) => m.trim()).filter(Boolean);
      if (!missing.length) throw new ValidationError([fieldError('missing', 'required', 'say what is missing')]);
      return {
        info_request: JSON.stringify({
          missing,
          message: input.message?.trim() || undefined,
          requestedBy: actor.id,
          requestedAt: new Date().toISOString(),
        }),
        due_at: await this.dueIn(tx, `${this.config.sla.needsInfoDays} days`),
      };
    }
    if (from === 'needs_info' && to === 'in_review') {
      if (!input.answer?.text.trim() && !input.answer?.files.length) {
        throw new ValidationError([fieldError('answer', 'required', 'write your answer or attach a file')]);
      }
      return { due_at: await this.dueIn(tx, hours(this.config.sla.infoAnswerHours)), info_request: null };
    }
    if (to === 'rejected') {
      if (from === 'in_review') requireOwnerOrAdmin();
      if (from === 'escalated') this.requireSecondPerson(c, actor);
      requireReason();
      return { decision_reason: reason, decided_by: actor.id, due_at: null };
    }
    if (to === 'escalated') {
      requireOwnerOrAdmin();
      requireReason();
      const proposed = this.validRemedies(c, input.remedies);
      return {
        escalated_by: actor.id,
        proposed_remedies: JSON.stringify(proposed),
        decision_reason: reason,
        due_at: await this.dueIn(tx, hours(this.config.sla.decisionHours)),
      };
    }
    if (from === 'escalated' && to === 'in_review') {
      this.requireSecondPerson(c, actor);
      requireReason();
      return { due_at: await this.dueIn(tx, hours(this.config.sla.decisionHours)) };
    }
    if (to === 'actioned' && from === 'escalated') {
      this.requireSecondPerson(c, actor);
      // The approver decides on what was proposed: as proposed (no remedies sent) or narrower.
      const proposed = c.proposed_remedies ?? [];
      // Kept as proposed, an item keeps the proposer's text (a correction's wording) unless a new one is given.
      const remedies = this.validRemedies(
        c,
        input.remedies?.length
          ? input.remedies.map((r) => {
              const p = proposed.find((x) => x.item === r.item);
              return r.text?.trim() || p?.remedy !== r.remedy ? r : { ...r, text: p.text };
            })
          : proposed,
      );
      const wider = widerThanProposed(proposed, remedies);
      if (wider.length) {
        throw new DomainError(
          ErrorCode.WIDER_THAN_PROPOSED,
          'An approver decides on what was proposed: approve it, choose less reaching remedies, or send the case back; ' +
            wider
              .map((w) => `item ${w.item}: ${w.chosen} reaches further than the proposed ${w.proposed ?? 'nothing'}`)
              .join('; '),
          wider.map((w) => ({
            field: `remedies.${w.item}`,
            rule: 'widerThanProposed',
            message: `${w.chosen} reaches further than the proposed ${w.proposed ?? 'nothing'}`,
          })),
        );
      }
      // The decision's reasons are the proposer's unless the approver writes new ones.
      const decided = reason || c.decision_reason?.trim();
      if (!decided) requireReason();
      audit.reasonsFrom = reason ? 'approver' : 'proposer';
      input.reason = decided;
      input.remedies = remedies;
      // proposed_remedies keeps the proposal; the decision is on the items and in the audit event.
      return { decided_by: actor.id, decision_reason: decided, due_at: null };
    }
    if (to === 'actioned' && from === 'in_review') {
      requireOwnerOrAdmin();
      const remedies = this.validRemedies(c, input.remedies);
      requireReason();
      // A whole-article removal needs a second person: a moderator escalates, an admin approves.
      if (from === 'in_review' && remedies.some((r) => r.remedy === 'remove_article')) {
        throw new DomainError(
          ErrorCode.FORBIDDEN,
          'Removing a whole article needs a second person: escalate the case with the proposed remedies for another admin to approve',
        );
      }
      input.remedies = remedies;
      return { decided_by: actor.id, decision_reason: reason, due_at: null, proposed_remedies: null };
    }
    return {};
  }

  /** The edge's `needs` (the table the case page's forms read), checked on what the caller sent. */
  private requireNeeds(edge: Edge, input: TransitionInput): void {
    const errors = [];
    for (const need of edge.needs ?? []) {
      const given =
        need === 'reason'
          ? !!input.reason?.trim()
          : need === 'missing'
            ? (input.missing ?? []).some((m) => m.trim())
            : need === 'remedies'
              ? !!input.remedies?.length
              : !!input.duplicateOf?.trim();
      if (!given) errors.push(fieldError(need, 'required', `${need} is required for this step`));
    }
    if (errors.length) throw new ValidationError(errors);
  }

  /**
   * The case a new filing repeats: it exists, is not the case itself, was filed from the same
   * address and is still undecided (DESIGN.md: after a decision a new filing is a new case).
   * Locked FOR SHARE so it cannot be decided while this one is being joined to it.
   */
  private async earlierCase(
    tx: EntityManager,
    c: CaseRow,
    reference: string | undefined,
  ): Promise<{ id: string; reference: string }> {
    const ref = reference?.trim().toUpperCase();
    const bad = (rule: string, message: string) => new ValidationError([fieldError('duplicateOf', rule, message)]);
    if (!ref) throw bad('required', 'give the reference of the earlier, still undecided case it repeats');
    const [found] = await tx.query<Array<{ id: string }>>(`SELECT id FROM complaint WHERE reference = $1`, [ref]);
    if (!found) throw bad('unknownCase', `there is no case ${ref}`);
    // Both rows locked in id order: the earlier case cannot be decided meanwhile, and two people
    // marking two cases as each other's duplicate queue up instead of deadlocking (the second
    // then finds its target no longer undecided). complainant_email is intake's normalised address.
    const rows = await tx.query<Array<{ id: string; reference: string; state: ComplaintState; email: string }>>(
      `SELECT id, reference, state, complainant_email AS email FROM complaint WHERE id = ANY($1::uuid[])
        ORDER BY id FOR UPDATE`,
      [[found.id, c.id]],
    );
    const earlier = rows.find((r) => r.id === found.id);
    const self = rows.find((r) => r.id === c.id);
    if (!earlier) throw bad('unknownCase', `there is no case ${ref}`);
    if (earlier.id === c.id) throw bad('self', 'a case cannot be a duplicate of itself');
    if (!self || self.state !== c.state)
      throw new ConflictError('Another action on this case won; reload and try again');
    if (earlier.email !== self.email)
      throw bad('otherComplainant', `${ref} was filed by someone else; only the same complainant's cases are joined`);
    if (!UNDECIDED_STATES.includes(earlier.state))
      throw bad('decided', `${ref} is ${earlier.state}; a filing after a decision is a new case, not a duplicate`);
    return { id: earlier.id, reference: earlier.reference };
  }

  /**
   * An escalation is decided by an admin other than the staff member who escalated it, compared
   * by staff id (the same person signed in or with their API token is the same id).
   */
  private requireSecondPerson(c: CaseRow, actor: Actor): void {
    if (actor.role !== 'admin') throw new DomainError(ErrorCode.FORBIDDEN, 'An escalated case is decided by an admin');
    if (!actor.id || !c.escalated_by || c.escalated_by === actor.id) {
      throw new DomainError(
        ErrorCode.SECOND_PERSON_REQUIRED,
        'An escalated case is decided by an admin other than the person who escalated it',
      );
    }
  }

  private validRemedies(
    c: CaseRow,
    remedies: TransitionInput['remedies'],
  ): Array<{ item: number; remedy: Remedy; text?: string }> {
    const list = remedies ?? [];
    const errors = [];
    for (const item of c.items) {
      const r = list.find((x) => x.item === item.position);
      if (!r)
        errors.push(
          fieldError(`remedies.${item.position}`, 'required', `choose a remedy for item ${item.position + 1}`),
        );
      else if (!REMEDIES.includes(r.remedy))
        errors.push(fieldError(`remedies.${item.position}`, 'invalid', `unknown remedy ${String(r.remedy)}`));
      else if (r.remedy === 'remove_image' && item.kind !== 'image')
        errors.push(fieldError(`remedies.${item.position}`, 'invalid', 'remove_image applies to image items'));
    }
    for (const r of list)
      if (!c.items.some((i) => i.position === r.item))
        errors.push(fieldError('remedies', 'invalid', `no item ${r.item}`));
    if (errors.length) throw new ValidationError(errors);
    return c.items.map((i) => {
      const r = list.find((x) => x.item === i.position) as { item: number; remedy: Remedy; text?: string };
      return { item: i.position, remedy: r.remedy, ...(r.text?.trim() ? { text: r.text.trim() } : {}) };
    });
  }

  private finalRemedies(c: CaseRow, input: TransitionInput) {
    return (input.remedies ?? []).map((r) => ({ item: r.item, remedy: r.remedy }));
  }

  private async dueIn(tx: EntityManager, interval: string): Promise<Date> {
    const [{ at }] = await tx.query<Array<{ at: Date }>>(`SELECT now() + $1::interval AS at`, [interval]);
    return at;
  }

  /** The mail (and, for remedies, the public effect) each edge causes, in the same transaction. */
  private async sideEffects(tx: EntityManager, c: CaseRow, input: TransitionInput): Promise<void> {
    // Private links are minted by MailWorker at send time; null marks where one goes.
    const trackingUrl = null;
    const appealUntil = new Date(Date.now() + APPEAL_MONTHS * 30.5 * 24 * 3600 * 1000).toISOString();
    const base = { reference: c.reference, complainantName: c.complainant.name, legalBasis: c.legal_basis };
    const toComplainant = (template: string, payload: Record<string, unknown>) =>
      this.mail.enqueue(tx, {
        template,
        locale: c.locale,
        to: c.complainant.email,
        payload: { ...base, ...payload },
        complaintId: c.id,
      });

    if (input.to === 'needs_info') {
      const [{ due }] = await tx.query<Array<{ due: Date }>>(`SELECT due_at AS due FROM complaint WHERE id = $1`, [
        c.id,
      ]);
      await toComplainant('complaint-needs-info', {
        missing: (input.missing ?? []).map((m) => m.trim()).filter(Boolean),
        message: input.message?.trim() || null,
        answerUrl: trackingUrl,
        answerByDate: due.toISOString(),
      });
    } else if (input.to === 'duplicate') {
      await toComplainant('complaint-duplicate', { earlierReference: input.duplicateOf, trackingUrl });
    } else if (input.to === 'rejected') {
      await toComplainant('complaint-rejected', { reason: input.reason?.trim(), trackingUrl, appealUntil });
    } else if (input.to === 'actioned') {
      const remedies = input.remedies ?? [];
      await this.remedies.apply(
        tx,
        c.id,
        c.reference,
        remedies.map((r) => {
          const item = c.items.find((i) => i.position === r.item) as CaseRow['items'][number];
          return {
            remedy: r.remedy,
            articleId: item.article_id,
            imageId: item.image_id,
            detail: item.detail,
            text: r.text ?? input.reason?.trim() ?? '',
          };
        }),
      );
      await tx.query(
        `UPDATE complaint_item SET remedy = x.remedy, remedy_applied_at = now()
                        FROM jsonb_to_recordset($2::jsonb) AS x(item int, remedy text)
                       WHERE complaint_item.complaint_id = $1 AND complaint_item.position = x.item`,
        [c.id, JSON.stringify(remedies)],
      );
      const labelled = remedies.map((r) => {
        const item = c.items.find((i) => i.position === r.item) as CaseRow['items'][number];
        return {
          itemLabel: `${item.title}${item.kind === 'image' ? ' (image)' : item.kind === 'passage' ? ` “${(item.detail ?? '').slice(0, 60)}”` : ''}`,
          remedy: r.remedy,
          articleId: item.article_id,
        };
      });
      const reason = input.reason?.trim() || (await this.currentReason(tx, c.id));
      await toComplainant('complaint-actioned', {
        reason,
        remedies: labelled.map(({ itemLabel, remedy }) => ({ itemLabel, remedy })),
        trackingUrl,
        appealUntil,
      });
      // The content owner of each article concerned gets the notice and a private response
      // link of their own (minted at send time, showing only their items).
      const owners = new Map<string, CaseRow['items']>();
      for (const i of c.items) owners.set(i.owner_email, [...(owners.get(i.owner_email) ?? []), i]);
      for (const [email, items] of owners) {
        // Personal data of the complainant only where the legal basis needs it (DMCA 512(g) notices name them).
        const disclose = c.legal_basis === 'us-dmca';
        await this.mail.enqueue(tx, {
          template: 'owner-notice',
          locale: 'zh-CN',
          to: email,
          complaintId: c.id,
          payload: {
            reference: c.reference,
            ownerName: items[0].owner_name,
            articleTitle: items[0].title,
            articleUrl: items[0].url,
            legalBasis: c.legal_basis,
            reason,
            remedies: labelled
              .filter((l) => items.some((i) => i.article_id === l.articleId))
              .map(({ itemLabel, remedy }) => ({ itemLabel, remedy })),
            complainantName: disclose ? c.complainant.name : null,
            responseUrl: null,
            responseUntil: appealUntil,
          },
        });
      }
    } else if (c.state === 'needs_info' && input.to === 'in_review') {
      const answer = input.answer as NonNullable<TransitionInput['answer']>;
      const fileIds: string[] = [];
      for (const f of answer.files) {
        const [row] = await tx.query<Array<{ id: string }>>(
          `INSERT INTO evidence_file (complaint_id, purpose, original_name, content_type, size_bytes, sha256, storage_key)
           VALUES ($1, 'response', $2, $3, $4, $5, $6) RETURNING id`,
          [c.id, f.originalName, f.contentType, f.sizeBytes, f.sha256, f.storageKey],
        );
        fileIds.push(row.id);
      }
      await tx.query(
        `INSERT INTO complaint_response (complaint_id, author, body, file_ids) VALUES ($1, 'complainant', $2, $3)`,
        [c.id, answer.text.trim(), fileIds],
      );
      await this.audit.append(tx, {
        actorType: 'complainant',
        action: 'complaint.answered',
        subjectType: 'complaint',
        subjectId: c.id,
        payload: {
          reference: c.reference,
          files: answer.files.map((f) => ({ sha256: f.sha256, sizeBytes: f.sizeBytes, contentType: f.contentType })),
        },
      });
      if (!c.assignee_id) return;
      const [staff] = await tx.query<Array<{ email: string; display_name: string }>>(
        `SELECT email, display_name FROM staff_user WHERE id = $1`,
        [c.assignee_id],
      );
      if (staff) {
        await this.mail.enqueue(tx, {
          template: 'complaint-info-answered',
          locale: 'zh-CN',
          to: staff.email,
          complaintId: c.id,
          payload: {
            reference: c.reference,
            moderatorName: staff.display_name,
            caseUrl: `${this.config.publicBaseUrl}/staff/complaints/${c.reference}`,
            answerExcerpt: answer.text.trim().slice(0, 500),
            fileCount: answer.files.length,
          },
        });
      }
    }
  }

  private async currentReason(tx: EntityManager, id: string): Promise<string> {
    const [row] = await tx.query<Array<{ r: string | null }>>(
      `SELECT decision_reason AS r FROM complaint WHERE id = $1`,
      [id],
    );
    return row?.r ?? '';
  }
}
