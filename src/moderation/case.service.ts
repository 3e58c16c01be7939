import { COUNTER_NOTICE_FIELDS, hasCounterNotice } from '../complaints/counter-notice';
import { defaultGround } from '../complaints/complaint-guards';
import type { DecisionGroundRecord } from '../complaints/decision-ground';
import type { CounterNoticeBasis } from '../complaints/counter-notice';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { StaffPrincipal } from '../auth/auth.decorators';
import { ConflictError, NotFoundError } from '../common/domain-error';
import type { MailLocale } from '../mail/mail-helpers';
import { MailOutbox } from '../mail/mail-outbox';
import { WARNING_VALID_DAYS } from '../complaints/complaint-guards';
import { COMPLAINT_TRANSITIONS, UNDECIDED_STATES } from '../complaints/complaint-state';
import type { ComplaintState, Edge, EdgeGuard, EdgeNeed, StaffAction } from '../complaints/complaint-state';
import { actionFields } from './edge-needs';
import type { ActionField, NeedContext } from './edge-needs';

/**
 * A transition the viewer may take now, generated from its edge in COMPLAINT_TRANSITIONS: the
 * case page renders one form per action from exactly this list, and the API returns it.
 */
export interface CaseAction {
  to: ComplaintState;
  /** The edge's action in COMPLAINT_TRANSITIONS: claim, release, request_info, reject, uphold, escalate, approve, send_back, mark_duplicate */
  kind: StaffAction;
  /** What the transition must carry (the edge's `needs`). */
  needs: EdgeNeed[];
  /** What it may carry besides (the edge's `optional`: approve takes remedies and reasons, as proposed without). */
  optional: EdgeNeed[];
  /** The transition body's fields, by need, in the order the form asks for them, with this case's choices. */
  fields: ActionField[];
}

/** Everything a moderator needs to decide, in one read (the case page and GET /api/v1/complaints/:ref). */
export interface CaseView {
  reference: string;
  state: ComplaintState;
  version: number;
  legalBasis: string;
  locale: string;
  receivedAt: Date;
  dueAt: Date | null;
  overdue: boolean;
  complainant: Record<string, string>;
  originalWork: { description: string; url?: string } | null;
  explanation: string;
  declarations: Record<string, unknown>;
  assignee: { id: string; displayName: string } | null;
  escalatedBy: { id: string; displayName: string } | null;
  decisionReason: string | null;
  /** The ground and category the decision recorded for its statement of reasons (null: none recorded). */
  decisionGround: DecisionGroundRecord | null;
  proposedRemedies: Array<{ item: number; remedy: string; text?: string }> | null;
  infoRequest: { missing: string[]; message?: string } | null;
  duplicateOf: string | null;
  /** Who asked, as a category (rights_holder, agent, person_concerned). */
  requesterCategory: string;
  /**
   * 条例 Art. 17: the same complainant's earlier cn-copyright case about the same work on the same
   * article, restored after a valid counter-notice, that bars this filing (a moderator rejects it).
   */
  renoticeBarredBy: string | null;
  /** While the case can still be marked a duplicate: the same complainant's other undecided cases, oldest first. */
  duplicateCandidates: string[];
  /** The same address's other cases about the same articles (complaint_link, both ways), oldest first. */
  related: Array<{ reference: string; state: string; receivedAt: Date }>;
  /** Filings joined to this case as duplicates, oldest first. */
  duplicates: Array<{ reference: string; receivedAt: Date }>;
  items: Array<{
    position: number;
    kind: string;
    articleId: string;
    articleSlug: string;
    articleTitle: string;
    articleUrl: string;
    articleStatus: string;
    imageId: string | null;
    imageStatus: string | null;
    detail: string | null;
    remedy: string | null;
  }>;
  files: Array<{
    id: string;
    purpose: string;
    originalName: string;
    contentType: string;
    sizeBytes: number;
    sha256: string;
    createdAt: Date;
    downloadUrl: string;
  }>;
  snapshots: Array<{
    articleId: string;
    title: string;
    body: string;
    images: Array<{ id: string; caption: string; sha256: string; status: string }>;
    sha256: string;
    takenAt: Date;
    live: {
      title: string;
      body: string;
      status: string;
      images: Array<{ id: string; status: string; sha256: string }>;
    };
    changed: boolean;
  }>;
  timeline: Array<{
    id: string;
    at: Date;
    actorType: string;
    actorName: string | null;
    action: string;
    payload: Record<string, unknown>;
  }>;
  mail: Array<{
    id: string;
    template: string;
    to: string;
    state: string;
    attempts: number;
    createdAt: Date;
    sentAt: Date | null;
    lastError: string | null;
    /** Staff may send it again (a party's message, sent or failed, no copy of it waiting, under MAX_RESENDS copies). */
    resendable: boolean;
  }>;
  responses: Array<{ author: string; body: string; fileIds: string[]; createdAt: Date }>;
  notes: Array<{ id: string; author: string; body: string; createdAt: Date }>;
  actions: CaseAction[];
  /** Appeals (DSA Art. 20), oldest first: who, their words and files, the decision appealed, the outcome. */
  appeals: CaseAppeal[];
  /** After a decision: the owners' counter-notices, the complainant's proofs of a suit, the restoration date. */
  counterNotice: CounterNoticeCaseView;
}

interface CaseFileLink {
  id: string;
  originalName: string;
  downloadUrl: string;
}

export interface CounterNoticeCaseView {
  /** Anything to show. */
  any: boolean;
  restorationDueAt: Date | null;
  counterNotices: Array<{
    status: string;
    ownerEmail: string;
    createdAt: Date;
    decidedAt: Date | null;
    reason: string | null;
    restoreAt: Date | null;
    items: number[];
    /** The items to restore as the page numbers them (1-based). */
    itemsLabel: string;
    fields: Array<{ key: string; value: string | boolean }>;
    files: CaseFileLink[];
  }>;
  litigationProofs: Array<{
    status: string;
    body: string;
    createdAt: Date;
    decidedAt: Date | null;
    reason: string | null;
    files: CaseFileLink[];
  }>;
}

export interface CaseAppeal {
  party: 'complainant' | 'content_owner';
  ownerEmail: string | null;
  body: string;
  files: Array<{ originalName: string; downloadUrl: string }>;
  appealedState: string;
  /** Who took the decision appealed (they may not decide the appeal). */
  appealedDeciders: string[];
  filedAt: Date;
  decidedBy: string | null;
  decidedAt: Date | null;
  outcome: string | null;
  reasons: string | null;
}

@Injectable()
export class CaseService {
  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly outbox: MailOutbox,
  ) {}

  async view(reference: string, viewer: StaffPrincipal): Promise<CaseView> {
    const [c] = await this.db.query<Array<Record<string, unknown>>>(
      `SELECT c.*, a.display_name AS assignee_name, e.display_name AS escalated_by_name, d.reference AS duplicate_of_reference,
              EXISTS (SELECT 1 FROM complainant_warning w WHERE w.email = c.complainant_email AND w.created_at < c.received_at
                         AND w.created_at > c.received_at - make_interval(days => ${WARNING_VALID_DAYS})) AS prior_warning,
              b.reference AS renotice_barred_by_reference
         FROM complaint c
         LEFT JOIN complaint b ON b.id = c.renotice_barred_by
         LEFT JOIN staff_user a ON a.id = c.assignee_id
         LEFT JOIN staff_user e ON e.id = c.escalated_by
         LEFT JOIN complaint d ON d.id = c.duplicate_of
        WHERE c.reference = $1`,
      [reference],
    );
    if (!c) throw new NotFoundError(`No case ${reference}`);
    const id = c.id as string;
    const state = c.state as ComplaintState;
    const canMarkDuplicate = COMPLAINT_TRANSITIONS[state].some((e) => !!e.action && e.needs?.includes('duplicateOf'));
    const [items, files, snapshots, timeline, mail, responses, notes, candidates, linked] = await Promise.all([
      this.db.query<Array<Record<string, unknown>>>(
        `SELECT i.position, i.kind, i.article_id, a.slug, a.title, a.url, a.status AS article_status, i.image_id, im.status AS image_status, i.detail, i.remedy
           FROM complaint_item i JOIN article a ON a.id = i.article_id LEFT JOIN article_image im ON im.id = i.image_id
          WHERE i.complaint_id = $1 ORDER BY i.position`,
        [id],
      ),
      this.db.query<Array<Record<string, unknown>>>(
        `SELECT id, purpose, original_name, content_type, size_bytes, sha256, created_at FROM evidence_file WHERE complaint_id = $1 ORDER BY created_at, id`,
        [id],
      ),
      this.db.query<Array<Record<string, unknown>>>(
        `SELECT s.article_id, s.title, s.body, s.images, s.sha256, c.received_at AS taken_at, a.title AS live_title, a.body AS live_body, a.status AS live_status,
                (SELECT coalesce(json_agg(json_build_object('id', i.id, 'status', i.status, 'sha256', i.sha256) ORDER BY i.position), '[]')
                   FROM article_image i WHERE i.article_id = a.id) AS live_images
           FROM complaint c
           JOIN LATERAL (SELECT DISTINCT article_id, snapshot_sha256 FROM complaint_item WHERE complaint_id = c.id) ci ON true
           JOIN article_version s ON s.article_id = ci.article_id AND s.sha256 = ci.snapshot_sha256
           JOIN article a ON a.id = s.article_id
          WHERE c.id = $1 ORDER BY s.article_id`,
        [id],
      ),
      this.db.query<Array<Record<string, unknown>>>(
        `SELECT e.id, e.occurred_at, e.actor_type, e.action, e.payload, u.display_name
           FROM audit_event e LEFT JOIN staff_user u ON u.id::text = e.actor_id
          WHERE e.subject_type = 'complaint' AND e.subject_id = $1 ORDER BY e.id`,
        [id],
      ),
      this.db.query<Array<Record<string, unknown>>>(
        `SELECT j.id, j.template, j.to_address, j.state, j.attempts, j.created_at, j.sent_at, j.last_error,
                ${RESENDABLE_SQL} AS resendable
           FROM mail_job j WHERE j.complaint_id = $1 ORDER BY j.created_at, j.id`,
        [id],
      ),
      this.db.query<Array<Record<string, unknown>>>(
        `SELECT author, body, file_ids, created_at FROM complaint_response WHERE complaint_id = $1 ORDER BY created_at`,
        [id],
      ),
      this.db.query<Array<Record<string, unknown>>>(
        `SELECT n.id, u.display_name AS author, n.body, n.created_at FROM complaint_note n JOIN staff_user u ON u.id = n.author_id
          WHERE n.complaint_id = $1 ORDER BY n.created_at`,
        [id],
      ),
      canMarkDuplicate
        ? this.db.query<Array<{ reference: string }>>(
            `SELECT reference FROM complaint
              WHERE complainant_email = $1 AND id <> $2 AND state = ANY($3)
              ORDER BY received_at, reference LIMIT 20`,
            [c.complainant_email, id, UNDECIDED_STATES],
          )
        : Promise.resolve([]),
      this.db.query<Array<{ kind: 'related' | 'duplicate'; reference: string; state: string; received_at: Date }>>(
        `SELECT 'related' AS kind, o.reference, o.state, o.received_at
           FROM complaint_link l
           JOIN complaint o ON o.id = CASE WHEN l.complaint_id = $1 THEN l.related_id ELSE l.complaint_id END
          WHERE l.complaint_id = $1 OR l.related_id = $1
         UNION ALL
         SELECT 'duplicate', d.reference, d.state, d.received_at FROM complaint d
          WHERE d.duplicate_of = $1 AND d.state = 'duplicate' AND d.duplicate_of IS NOT NULL
         ORDER BY received_at, reference`,
        [id],
      ),
    ]);
    const dueAt = (c.due_at as Date | null) ?? null;
    const needContext: NeedContext = {
      items: items.map((i) => ({ position: i.position as number, kind: i.kind as string })),
      proposedRemedies: (c.proposed_remedies as NeedContext['proposedRemedies']) ?? null,
      duplicateCandidates: candidates.map((r) => r.reference),
      ground: defaultGround(c as Parameters<typeof defaultGround>[0]),
    };
    return {
      reference: c.reference as string,
      state,
      version: c.version as number,
      legalBasis: c.legal_basis as string,
      locale: c.locale as string,
      receivedAt: c.received_at as Date,
      dueAt,
      overdue: !!dueAt && dueAt.getTime() < Date.now(),
      complainant: c.complainant as Record<string, string>,
      originalWork: (c.original_work as CaseView['originalWork']) ?? null,
      explanation: c.explanation as string,
      declarations: c.declarations as Record<string, unknown>,
      assignee: c.assignee_id ? { id: c.assignee_id as string, displayName: c.assignee_name as string } : null,
      escalatedBy: c.escalated_by ? { id: c.escalated_by as string, displayName: c.escalated_by_name as string } : null,
      decisionReason: (c.decision_reason as string | null) ?? null,
      decisionGround: c.decision_ground
        ? {
            ground: c.decision_ground as DecisionGroundRecord['ground'],
            category: c.decision_category as DecisionGroundRecord['category'],
            legalGround: (c.decision_legal_ground as string | null) ?? '',
            explanation: (c.decision_ground_explanation as string | null) ?? '',
          }
        : null,
      proposedRemedies: (c.proposed_remedies as CaseView['proposedRemedies']) ?? null,
      infoRequest: (c.info_request as CaseView['infoRequest']) ?? null,
      duplicateOf: (c.duplicate_of_reference as string | null) ?? null,
      requesterCategory: c.requester_category as string,
      renoticeBarredBy: (c.renotice_barred_by_reference as string | null) ?? null,
      duplicateCandidates: candidates.map((r) => r.reference),
      related: linked
        .filter((l) => l.kind === 'related')
        .map((l) => ({ reference: l.reference, state: l.state, receivedAt: l.received_at })),
      duplicates: linked
        .filter((l) => l.kind === 'duplicate')
        .map((l) => ({ reference: l.reference, receivedAt: l.received_at })),
      items: items.map((i) => ({
        position: i.position as number,
        kind: i.kind as string,
        articleId: i.article_id as string,
        articleSlug: i.slug as string,
        articleTitle: i.title as string,
        articleUrl: i.url as string,
        articleStatus: i.article_status as string,
        imageId: (i.image_id as string | null) ?? null,
        imageStatus: (i.image_status as string | null) ?? null,
        detail: (i.detail as string | null) ?? null,
        remedy: (i.remedy as string | null) ?? null,
      })),
      files: files.map((f) => ({
        id: f.id as string,
        purpose: f.purpose as string,
        originalName: f.original_name as string,
        contentType: f.content_type as string,
        sizeBytes: f.size_bytes as number,
        sha256: f.sha256 as string,
        createdAt: f.created_at as Date,
        downloadUrl: `/staff/complaints/${c.reference as string}/files/${f.id as string}`,
      })),
      snapshots: snapshots.map((s) => {
        const live = {
          title: s.live_title as string,
          body: s.live_body as string,
          status: s.live_status as string,
          images: s.live_images as Array<{ id: string; status: string; sha256: string }>,
        };
        const images = s.images as CaseView['snapshots'][number]['images'];
        const changed =
          live.title !== s.title ||
          live.body !== s.body ||
          live.status !== 'published' ||
          JSON.stringify(live.images.map((i) => [i.id, i.status, i.sha256])) !==
            JSON.stringify(images.map((i) => [i.id, i.status, i.sha256]));
        return {
          articleId: s.article_id as string,
          title: s.title as string,
          body: s.body as string,
          images,
          sha256: s.sha256 as string,
          takenAt: s.taken_at as Date,
          live,
          changed,
        };
      }),
      timeline: timeline.map((e) => ({
        id: e.id as string,
        at: e.occurred_at as Date,
        actorType: e.actor_type as string,
        actorName: (e.display_name as string | null) ?? null,
        action: e.action as string,
        payload: e.payload as Record<string, unknown>,
      })),
      mail: mail.map((m) => ({
        id: m.id as string,
        template: m.template as string,
        to: m.to_address as string,
        state: m.state as string,
        attempts: m.attempts as number,
        createdAt: m.created_at as Date,
        sentAt: (m.sent_at as Date | null) ?? null,
        lastError: (m.last_error as string | null) ?? null,
        resendable: m.resendable === true,
      })),
      responses: responses.map((r) => ({
        author: r.author as string,
        body: r.body as string,
        fileIds: r.file_ids as string[],
        createdAt: r.created_at as Date,
      })),
      notes: notes.map((n) => ({
        id: n.id as string,
        author: n.author as string,
        body: n.body as string,
        createdAt: n.created_at as Date,
      })),
      actions: this.actionsFor(state, c, viewer, needContext),
      appeals: await this.appealsOf(id, c.reference as string),
      counterNotice: await this.counterNoticeView(id, reference, c.restoration_due_at as Date | null),
    };
  }

  /** Counter-notices (all fields: staff see the owner's contact) and litigation proofs, newest first. */
  private async counterNoticeView(
    id: string,
    reference: string,
    restorationDueAt: Date | null,
  ): Promise<CounterNoticeCaseView> {
    const [notices, proofs, files] = await Promise.all([
      this.db.query<Array<Record<string, unknown>>>(
        `SELECT status, owner_email, legal_basis, created_at, decided_at, reason, restore_at, fields, file_ids
           FROM counter_notice WHERE complaint_id = $1 ORDER BY created_at DESC`,
        [id],
      ),
      this.db.query<Array<Record<string, unknown>>>(
        `SELECT status, body, created_at, decided_at, reason, file_ids FROM litigation_proof
          WHERE complaint_id = $1 ORDER BY created_at DESC`,
        [id],
      ),
      this.db.query<Array<{ id: string; original_name: string }>>(
        `SELECT id, original_name FROM evidence_file WHERE complaint_id = $1 AND purpose IN ('counter_notice', 'litigation')`,
        [id],
      ),
    ]);
    const linked = (ids: unknown): CaseFileLink[] =>
      files
        .filter((f) => (ids as string[]).includes(f.id))
        .map((f) => ({
          id: f.id,
          originalName: f.original_name,
          downloadUrl: `/staff/complaints/${reference}/files/${f.id}`,
        }));
    return {
      any: notices.length + proofs.length > 0,
      restorationDueAt,
      counterNotices: notices.map((n) => {
        const fields = n.fields as Record<string, unknown>;
        const items = ((fields.items as number[] | undefined) ?? []).map(Number);
        return {
          status: n.status as string,
          ownerEmail: n.owner_email as string,
          createdAt: n.created_at as Date,
          decidedAt: (n.decided_at as Date | null) ?? null,
          reason: (n.reason as string | null) ?? null,
          restoreAt: (n.restore_at as Date | null) ?? null,
          items,
          itemsLabel: items.map((i) => i + 1).join(', '),
          // In the order the basis asks for them (counter-notice.ts).
          fields: Object.entries(fields)
            .filter(([k]) => k !== 'items' && k !== 'locale')
            .sort(([a], [b]) => fieldOrder(n.legal_basis, a) - fieldOrder(n.legal_basis, b))
            .map(([key, value]) => ({ key, value: typeof value === 'boolean' ? value : String(value) })),
          files: linked(n.file_ids),
        };
      }),
      litigationProofs: proofs.map((p) => ({
        status: p.status as string,
        body: p.body as string,
        createdAt: p.created_at as Date,
        decidedAt: (p.decided_at as Date | null) ?? null,
        reason: (p.reason as string | null) ?? null,
        files: linked(p.file_ids),
      })),
    };
  }

  /** The case's appeals with the names of the people involved and their files' download links. */
  private async appealsOf(complaintId: string, reference: string): Promise<CaseAppeal[]> {
    const rows = await this.db.query<Array<Record<string, unknown>>>(
      `SELECT a.party, a.owner_email, a.body, a.appealed_state, a.filed_at, a.decided_at, a.outcome, a.reasons,
              array_remove(ARRAY[ad.display_name, ae.display_name], NULL) AS deciders, d.display_name AS decided_by,
              (SELECT coalesce(json_agg(json_build_object('id', f.id, 'name', f.original_name) ORDER BY f.created_at), '[]')
                 FROM evidence_file f WHERE f.id = ANY(a.file_ids)) AS files
         FROM appeal a
         LEFT JOIN staff_user ad ON ad.id = a.appealed_decided_by
         LEFT JOIN staff_user ae ON ae.id = a.appealed_escalated_by AND ae.id IS DISTINCT FROM a.appealed_decided_by
         LEFT JOIN staff_user d ON d.id = a.decided_by
        WHERE a.complaint_id = $1 ORDER BY a.filed_at`,
      [complaintId],
    );
    return rows.map((r) => ({
      party: r.party as CaseAppeal['party'],
      ownerEmail: (r.owner_email as string | null) ?? null,
      body: r.body as string,
      files: (r.files as Array<{ id: string; name: string }>).map((f) => ({
        originalName: f.name,
        downloadUrl: `/staff/complaints/${reference}/files/${f.id}`,
      })),
      appealedState: r.appealed_state as string,
      appealedDeciders: r.deciders as string[],
      filedAt: r.filed_at as Date,
      decidedBy: (r.decided_by as string | null) ?? null,
      decidedAt: (r.decided_at as Date | null) ?? null,
      outcome: (r.outcome as string | null) ?? null,
      reasons: (r.reasons as string | null) ?? null,
    }));
  }

  /**
   * The transitions this person may take now, read from the same table the service enforces
   * (COMPLAINT_TRANSITIONS: roles, action, needs) and the person guards it declares.
   */
  actionsFor(
    state: ComplaintState,
    c: Record<string, unknown>,
    viewer: StaffPrincipal,
    ctx: NeedContext,
  ): CaseAction[] {
    return offeredActions(COMPLAINT_TRANSITIONS[state], c, viewer, ctx);
  }

  async file(
    reference: string,
    fileId: string,
  ): Promise<{ storageKey: string; originalName: string; contentType: string }> {
    if (!/^[0-9a-f-]{36}$/i.test(fileId)) throw new NotFoundError('No such file');
    const [row] = await this.db.query<Array<{ storage_key: string; original_name: string; content_type: string }>>(
      `SELECT f.storage_key, f.original_name, f.content_type FROM evidence_file f JOIN complaint c ON c.id = f.complaint_id
        WHERE c.reference = $1 AND f.id = $2`,
      [reference, fileId],
    );
    if (!row) throw new NotFoundError('No such file');
    return { storageKey: row.storage_key, originalName: row.original_name, contentType: row.content_type };
  }

  async addNote(reference: string, author: StaffPrincipal, body: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const [c] = await tx.query<Array<{ id: string }>>(`SELECT id FROM complaint WHERE reference = $1`, [reference]);
      if (!c) throw new NotFoundError(`No case ${reference}`);
      const [note] = await tx.query<Array<{ id: string }>>(
        `INSERT INTO complaint_note (complaint_id, author_id, body) VALUES ($1, $2, $3) RETURNING id`,
        [c.id, author.id, body],
      );
      await this.audit.append(tx, {
        actorType: author.role,
        actorId: author.id,
        action: 'complaint.note',
        subjectType: 'complaint',
        subjectId: c.id,
        payload: { reference, noteId: note.id },
      });
    });
  }

  /**
   * Sends one of the case's messages to a party again (a complainant or content owner who lost
   * it, a message that failed for good): a new job with the same template, language, address and
   * payload, so a private link in it is minted afresh at send time (the earlier message's link
   * stays valid until it expires). Only a message to the case's complainant or the owner of one of
   * its articles, once sent or failed, not while an earlier copy still waits to go out, and at most
   * MAX_RESENDS copies of one message (nobody is mailed the same thing over and over).
   */
  async resendMail(reference: string, jobId: string, actor: StaffPrincipal): Promise<{ jobId: string }> {
    return this.db.transaction(async (tx) => {
      // The case row lock serialises two staff sending the same message again at once.
      const [c] = await tx.query<Array<{ id: string }>>(`SELECT id FROM complaint WHERE reference = $1 FOR UPDATE`, [
        reference,
      ]);
      if (!c) throw new NotFoundError(`No case ${reference}`);
      const [job] = UUID.test(jobId)
        ? await tx.query<
            Array<{
              id: string;
              template: string;
              locale: MailLocale;
              to_address: string;
              payload: Record<string, unknown>;
              resendable: boolean;
            }>
          >(
            `SELECT j.id, j.template, j.locale, j.to_address, j.payload, ${RESENDABLE_SQL} AS resendable
               FROM mail_job j WHERE j.id = $1 AND j.complaint_id = $2`,
            [jobId, c.id],
          )
        : [];
      if (!job) throw new NotFoundError(`No message ${jobId} on case ${reference}`);
      if (!job.resendable)
        throw new ConflictError(
          `Only a message to the complainant or an article owner of this case, sent or failed, with no copy of it still waiting and fewer than ${MAX_RESENDS} copies queued, can be sent again`,
        );
      // Copies name the first message, so a copy of a copy counts towards its MAX_RESENDS.
      const first = typeof job.payload.resendOf === 'string' ? job.payload.resendOf : job.id;
      const queued = await this.outbox.enqueue(tx, {
        template: job.template,
        locale: job.locale,
        to: job.to_address,
        payload: { ...job.payload, resendOf: first },
        complaintId: c.id,
      });
      await this.audit.append(tx, {
        actorType: actor.role,
        actorId: actor.id,
        action: 'mail.resent',
        subjectType: 'complaint',
        subjectId: c.id,
        payload: { reference, template: job.template, resendOf: first, copyOf: job.id, jobId: queued.id },
      });
      return { jobId: queued.id };
    });
  }
}

/** Copies of one message staff may queue (a copy of a copy counts towards the first message). */
export const MAX_RESENDS = 3;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * For a mail_job row `j`: whether staff may send it again. To the case's complainant or the
 * owner of one of its articles (never staff mail), sent or failed, no copy of it waiting, and
 * fewer than MAX_RESENDS copies of its first message so far.
 */
const RESENDABLE_SQL = `(j.state IN ('sent', 'failed')
   AND lower(j.to_address) IN (
     SELECT lower(c.complainant_email) FROM complaint c WHERE c.id = j.complaint_id
     UNION SELECT lower(a.owner_email) FROM complaint_item i JOIN article a ON a.id = i.article_id
      WHERE i.complaint_id = j.complaint_id AND a.owner_email IS NOT NULL)
   AND NOT EXISTS (SELECT 1 FROM mail_job r WHERE r.complaint_id = j.complaint_id
                    AND r.payload ->> 'resendOf' = coalesce(j.payload ->> 'resendOf', j.id::text)
                    AND r.state IN ('pending', 'sending'))
   AND (SELECT count(*) FROM mail_job r WHERE r.complaint_id = j.complaint_id
         AND r.payload ->> 'resendOf' = coalesce(j.payload ->> 'resendOf', j.id::text)) < ${MAX_RESENDS})`;

/**
 * The staff actions of `edges` open to `viewer` on case row `c`: edges with an action, not
 * unavailable, the viewer's role among its roles, and every person guard passed (assignee,
 * second_person, prior_warning: a misuse warning before the notice); the other guards check what the form carries, not who acts. A table of edges
 * rather than a state, so a test can declare its own.
 */
export function offeredActions(
  edges: readonly Edge[],
  c: { assignee_id?: unknown; escalated_by?: unknown; decided_by?: unknown; prior_warning?: unknown },
  viewer: Pick<StaffPrincipal, 'id' | 'role'>,
  ctx: NeedContext,
): CaseAction[] {
  const passes = (g: EdgeGuard) =>
    g === 'assignee'
      ? c.assignee_id === viewer.id || viewer.role === 'admin'
      : g === 'second_person'
        ? viewer.role === 'admin' && !!c.escalated_by && c.escalated_by !== viewer.id
        : g === 'prior_warning'
          ? c.prior_warning === true
          : g === 'other_decider'
            ? // Appeals: not the appealed decision's decider or proposer (unchanged on the case until decided).
              c.decided_by !== viewer.id && c.escalated_by !== viewer.id
            : true;
  return edges
    .filter((e) => !!e.action && !e.unavailable && e.roles.includes(viewer.role))
    .filter((e) => (e.guards ?? []).every(passes))
    .map((e): CaseAction => ({
      to: e.to,
      kind: e.action as StaffAction,
      needs: [...(e.needs ?? [])],
      optional: [...(e.optional ?? [])],
      fields: actionFields(e, ctx),
    }));
}

function fieldOrder(basis: unknown, key: string): number {
  const fields = hasCounterNotice(String(basis)) ? COUNTER_NOTICE_FIELDS[basis as CounterNoticeBasis] : [];
  const i = fields.findIndex((f) => f.key === key);
  return i < 0 ? fields.length : i;
}
