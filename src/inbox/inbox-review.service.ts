import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { StaffPrincipal } from '../auth/auth.decorators';
import { ConflictError, NotFoundError, ValidationError } from '../common/domain-error';
import { ComplaintIntakeService } from '../complaints/complaint-intake.service';
import { EvidenceStorage } from '../complaints/evidence-storage';
import { LEGAL_BASES } from '../complaints/legal-basis';
import { OutboxSignal } from '../mail/outbox-signal';
import { stripQuoted } from './inbound-parser';
import { sanitizeEmailHtml } from './inbox-html';
import type { InboxArticleLink, InboxAttachment, InboxKind, InboxRefused, InboxStatus } from './inbox-message.entity';
import { InboxService } from './inbox.service';
import { InboxStorage } from './inbox-storage';

export const DISMISS_CATEGORIES = ['spam', 'press', 'auto_reply', 'other'] as const;
export const INBOX_STATUSES = ['unfiled', 'filed', 'dismissed', 'ignored'] as const;

export interface InboxListItem {
  id: string;
  reference: string;
  receivedAt: Date;
  fromAddress: string | null;
  fromName: string | null;
  subject: string | null;
  kind: InboxKind;
  status: InboxStatus;
  excerpt: string;
  articleCount: number;
  attachmentCount: number;
  refusedCount: number;
  complaintReference: string | null;
}

export interface InboxDetail extends InboxListItem {
  text: string;
  /** Sanitised HTML (sanitize-html), remote images blocked unless asked for; null for plain-text mail. */
  html: string | null;
  blockedImages: number;
  locale: 'zh-CN' | 'en';
  articleLinks: InboxArticleLink[];
  attachments: Array<Omit<InboxAttachment, 'storageKey'> & { index: number }>;
  refused: InboxRefused[];
  rawSha256: string;
  acknowledged: boolean;
  handledReason: string | null;
  /** Other messages of the same thread (replies to our receipt, earlier messages). */
  thread: Array<{ id: string; reference: string; receivedAt: Date; subject: string | null }>;
}

/** How a moderator files a message: a new case, an existing case, or not a complaint. */
export type FileAction =
  | {
      action: 'new_case';
      legalBasis: string;
      articleUrls: string[];
      complainant: { name: string; phone?: string; address?: string; organisation?: string };
      explanation?: string;
      originalWork?: { description: string; url?: string };
      /** What the message itself states, as the moderator read it (never assumed). */
      stated?: { truthful?: boolean; goodFaith?: boolean; perjury?: boolean };
    }
  | { action: 'attach'; reference: string }
  | { action: 'dismiss'; category: string; reason: string };

interface Row {
  id: string;
  reference: string;
  received_at: Date;
  from_address: string | null;
  from_name: string | null;
  subject: string | null;
  kind: InboxKind;
  status: InboxStatus;
  text_body: string;
  html_body?: string | null;
  locale: 'zh-CN' | 'en';
  message_id: string | null;
  thread_ids: string[];
  article_links: InboxArticleLink[];
  attachments: InboxAttachment[];
  refused: InboxRefused[];
  raw_sha256: string;
  ack_message_id: string | null;
  handled_reason: string | null;
  complaint_reference: string | null;
}

const COLUMNS = `m.id, m.reference, m.received_at, m.from_address, m.from_name, m.subject, m.kind, m.status, m.text_body,
  m.locale, m.message_id, m.thread_ids, m.article_links, m.attachments, m.refused, m.raw_sha256, m.ack_message_id,
  m.handled_reason, c.reference AS complaint_reference`;

/** The staff mailbox: what waits unfiled, one message in full, and the three ways to file it. */
@Injectable()
export class InboxReviewService {
  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly inbox: InboxService,
    private readonly storage: InboxStorage,
    private readonly evidence: EvidenceStorage,
    private readonly intake: ComplaintIntakeService,
    private readonly signal: OutboxSignal,
  ) {}

  async list(filters: { status?: string; q?: string; limit?: number }): Promise<InboxListItem[]> {
    const status = filters.status ?? 'unfiled';
    if (!(INBOX_STATUSES as readonly string[]).includes(status))
      throw new ValidationError([{ field: 'status', rule: 'invalid', message: INBOX_STATUSES.join(', ') }]);
    const limit = Math.min(Math.max(filters.limit ?? 50, 1), 200);
    const q = filters.q?.trim() ? `%${filters.q.trim().replace(/[\\%_]/g, (x) => '\\' + x)}%` : null;
    const rows = await this.db.query<Row[]>(
      `SELECT ${COLUMNS} FROM inbox_message m LEFT JOIN complaint c ON c.id = m.complaint_id
        WHERE m.status = $1 AND ($2::text IS NULL OR m.subject ILIKE $2 OR m.from_address ILIKE $2 OR m.text_body ILIKE $2)
        ORDER BY m.received_at DESC, m.id LIMIT $3`,
      [status, q, limit],
    );
    return rows.map((r) => this.item(r));
  }

  async get(id: string, opts: { remoteImages?: boolean } = {}): Promise<InboxDetail> {
    const r = await this.row(id);
    const [html] = await this.db.query<Array<{ html_body: string | null }>>(
      `SELECT html_body FROM inbox_message WHERE id = $1`,
      [id],
    );
    const clean = html?.html_body ? sanitizeEmailHtml(html.html_body, { remoteImages: !!opts.remoteImages }) : null;
    const ids = [...r.thread_ids, ...(r.message_id ? [r.message_id] : [])];
    const thread = await this.db.query<
      Array<{ id: string; reference: string; received_at: Date; subject: string | null }>
    >(
      `SELECT id, reference, received_at, subject FROM inbox_message
        WHERE id <> $1 AND (message_id = ANY($2) OR ack_message_id = ANY($2) OR thread_ids && $3::text[])
        ORDER BY received_at LIMIT 50`,
      [id, ids, r.message_id ? [r.message_id] : ['-']],
    );
    return {
      ...this.item(r),
      text: r.text_body,
      html: clean?.html ?? null,
      blockedImages: clean?.blockedImages ?? 0,
      locale: r.locale,
      articleLinks: r.article_links,
      attachments: r.attachments.map(({ storageKey: _k, ...a }, index) => {
        void _k;
        return { ...a, index };
      }),
      refused: r.refused,
      rawSha256: r.raw_sha256,
      acknowledged: !!r.ack_message_id,
      handledReason: r.handled_reason,
      thread: thread.map((t) => ({ id: t.id, reference: t.reference, receivedAt: t.received_at, subject: t.subject })),
    };
  }

  /** One accepted attachment's bytes (checked by content on arrival) for staff to open. */
  async attachment(id: string, index: number): Promise<{ name: string; contentType: string; data: Buffer }> {
    const r = await this.row(id);
    const a = r.attachments[index];
    if (!a) throw new NotFoundError('No such attachment');
    return { name: a.name, contentType: a.contentType, data: await this.storage.read(a.storageKey) };
  }

  async file(
    id: string,
    input: FileAction,
    by: StaffPrincipal,
  ): Promise<{ status: InboxStatus; complaintReference: string | null }> {
    const r = await this.row(id);
    if (r.status !== 'unfiled') throw new ConflictError('This message has already been handled', { status: r.status });
    switch (input.action) {
      case 'dismiss':
        return this.dismiss(r, input, by);
      case 'attach':
        return this.attach(r, input.reference, by);
      case 'new_case':
        return this.newCase(r, input, by);
      default:
        throw new ValidationError([{ field: 'action', rule: 'invalid', message: 'new_case, attach or dismiss' }]);
    }
  }

  private async dismiss(r: Row, input: { category: string; reason: string }, by: StaffPrincipal) {
    const errors = [];
    if (!(DISMISS_CATEGORIES as readonly string[]).includes(input.category))
      errors.push({ field: 'category', rule: 'invalid', message: DISMISS_CATEGORIES.join(', ') });
    if (!input.reason?.trim()) errors.push({ field: 'reason', rule: 'required', message: 'say why' });
    if (errors.length) throw new ValidationError(errors);
    await this.db.transaction(async (tx) => {
      await this.claim(tx, r.id, 'dismissed', null, by, `${input.category}: ${input.reason.trim().slice(0, 1000)}`);
      await this.audit.append(tx, {
        actorType: by.role,
        actorId: by.id,
        action: 'inbox.dismissed',
        subjectType: 'inbox_message',
        subjectId: r.id,
        payload: { reference: r.reference, category: input.category, reason: input.reason.trim().slice(0, 1000) },
      });
    });
    return { status: 'dismissed' as const, complaintReference: null };
  }

  /** Joins an existing case's timeline (its files as evidence; a complainant's answer moves the case). */
  private async attach(r: Row, reference: string, by: StaffPrincipal) {
    const [c] = await this.db.query<Array<{ id: string }>>(`SELECT id FROM complaint WHERE reference = $1`, [
      (reference ?? '').trim(),
    ]);
    if (!c)
      throw new ValidationError([{ field: 'reference', rule: 'unknownCase', message: 'no case with this reference' }]);
    const files = await this.evidence.write(await this.checkedFiles(r));
    try {
      await this.db.transaction('READ COMMITTED', async (tx) => {
        await this.claim(tx, r.id, 'filed', c.id, by, null);
        await this.audit.append(tx, {
          actorType: by.role,
          actorId: by.id,
          action: 'inbox.filed',
          subjectType: 'inbox_message',
          subjectId: r.id,
          payload: { reference: r.reference, to: 'existing_case', complaint: reference },
        });
        await this.inbox.fileToCase(
          tx,
          r.id,
          r.reference,
          c.id,
          { fromAddress: r.from_address, text: r.text_body },
          files,
        );
      });
    } catch (err) {
      await this.evidence.remove(files);
      throw err;
    }
    this.signal.kick();
    return { status: 'filed' as const, complaintReference: reference.trim() };
  }

  /**
   * A new case through the intake service (validation, evidence, receipts, audit), the email as
   * the statement, its files as evidence, its sender as the complainant. The intake's
   * Idempotency-Key is the message's, so filing it twice (two moderators, a retried request)
   * makes one case; the case receipt replies in the sender's thread.
   */
  private async newCase(r: Row, input: Extract<FileAction, { action: 'new_case' }>, by: StaffPrincipal) {
    if (!r.from_address)
      throw new ValidationError([
        { field: 'complainant.email', rule: 'required', message: 'the message has no sender address' },
      ]);
    if (!(LEGAL_BASES as readonly string[]).includes(input.legalBasis))
      throw new ValidationError([{ field: 'legalBasis', rule: 'invalid', message: LEGAL_BASES.join(', ') }]);
    const urls = (input.articleUrls ?? []).map((u) => u.trim()).filter(Boolean);
    const body = {
      legalBasis: input.legalBasis,
      locale: r.locale,
      complainant: {
        ...input.complainant,
        name: input.complainant?.name?.trim() || r.from_name || '',
        email: r.from_address,
      },
      items: urls.map((articleUrl) => ({ articleUrl, kind: 'article' })),
      explanation: (input.explanation?.trim() || stripQuoted(r.text_body) || r.text_body).slice(0, 10000),
      ...(input.originalWork?.description ? { originalWork: input.originalWork } : {}),
      // The declarations are those the email itself makes, as the moderator ticked them: a basis
      // that requires one the email lacks refuses the filing (422), and the moderator asks the
      // sender instead (the acknowledgement's prefilled form link carries the declarations).
      declarations: {
        truthful: input.stated?.truthful === true,
        goodFaith: input.stated?.goodFaith === true,
        perjury: input.stated?.perjury === true,
      },
    };
    const parts = await Promise.all(
      r.attachments.map(async (a) => {
        const buffer = await this.storage.read(a.storageKey);
        return { fieldname: 'evidence', originalname: a.name, size: buffer.length, buffer };
      }),
    );
    const result = await this.intake.submit(body, parts, {
      channel: 'mail',
      locale: r.locale,
      idempotencyKey: `inbox:${r.id}`,
      ...(r.message_id
        ? { thread: { inReplyTo: r.message_id, references: [...r.thread_ids, r.message_id].join(' ') } }
        : {}),
    });
    await this.db.transaction(async (tx) => {
      const [c] = await tx.query<Array<{ id: string }>>(`SELECT id FROM complaint WHERE reference = $1`, [
        result.reference,
      ]);
      const done = await this.claim(tx, r.id, 'filed', c.id, by, null, true);
      if (!done) return;
      await this.audit.append(tx, {
        actorType: by.role,
        actorId: by.id,
        action: 'inbox.filed',
        subjectType: 'inbox_message',
        subjectId: r.id,
        payload: {
          reference: r.reference,
          to: 'new_case',
          complaint: result.reference,
          statedInMessage: {
            truthful: input.stated?.truthful === true,
            goodFaith: input.stated?.goodFaith === true,
            perjury: input.stated?.perjury === true,
          },
        },
      });
      await this.audit.append(tx, {
        actorType: by.role,
        actorId: by.id,
        action: 'complaint.mail_received',
        subjectType: 'complaint',
        subjectId: c.id,
        payload: {
          reference: result.reference,
          inboxMessageId: r.id,
          inboxReference: r.reference,
          fromComplainant: true,
        },
      });
    });
    return { status: 'filed' as const, complaintReference: result.reference };
  }

  /** Moves an unfiled message to its outcome, or answers 409 if someone else was first. */
  private async claim(
    tx: { query: DataSource['query'] },
    id: string,
    status: InboxStatus,
    complaintId: string | null,
    by: StaffPrincipal,
    reason: string | null,
    allowSameCase = false,
  ): Promise<boolean> {
    const [rows] = await tx.query<[Array<{ id: string }>, number]>(
      `UPDATE inbox_message SET status = $2, complaint_id = $3, handled_by = $4, handled_at = now(), handled_reason = $5
        WHERE id = $1 AND status = 'unfiled' RETURNING id`,
      [id, status, complaintId, by.id, reason],
    );
    if (rows.length) return true;
    if (allowSameCase) {
      const [same] = await tx.query<Array<{ id: string }>>(
        `SELECT id FROM inbox_message WHERE id = $1 AND status = 'filed' AND complaint_id = $2`,
        [id, complaintId],
      );
      if (same) return false;
    }
    throw new ConflictError('This message has already been handled');
  }

  private async checkedFiles(r: Row) {
    return Promise.all(
      r.attachments.map(async (a) => ({
        purpose: 'evidence' as const,
        originalName: a.name,
        contentType: a.contentType,
        sizeBytes: a.sizeBytes,
        sha256: a.sha256,
        buffer: await this.storage.read(a.storageKey),
      })),
    );
  }

  private async row(id: string): Promise<Row> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id))
      throw new NotFoundError('No such message');
    const [r] = await this.db.query<Row[]>(
      `SELECT ${COLUMNS} FROM inbox_message m LEFT JOIN complaint c ON c.id = m.complaint_id WHERE m.id = $1`,
      [id],
    );
    if (!r) throw new NotFoundError('No such message');
    return r;
  }

  private item(r: Row): InboxListItem {
    return {
      id: r.id,
      reference: r.reference,
      receivedAt: r.received_at,
      fromAddress: r.from_address,
      fromName: r.from_name,
      subject: r.subject,
      kind: r.kind,
      status: r.status,
      excerpt: r.text_body.replace(/\s+/g, ' ').slice(0, 200),
      articleCount: r.article_links.length,
      attachmentCount: r.attachments.length,
      refusedCount: r.refused.length,
      complaintReference: r.complaint_reference,
    };
  }
}
