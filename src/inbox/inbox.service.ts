import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { ArticlesService } from '../articles/articles.service';
import { AuditService } from '../audit/audit.service';
import { ComplaintsService } from '../complaints/complaints.service';
import { EvidenceStorage, StoredFile } from '../complaints/evidence-storage';
import { DomainError } from '../common/domain-error';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { MailOutbox } from '../mail/mail-outbox';
import { OutboxSignal } from '../mail/outbox-signal';
import { parseInbound, ParsedInbound, stripQuoted } from './inbound-parser';
import { AcceptedAttachment, checkAttachments } from './inbox-attachments';
import type { InboxArticleLink, InboxAttachment, InboxKind, InboxStatus } from './inbox-message.entity';
import { InboxStorage } from './inbox-storage';

export interface ReceiveResult {
  id: string;
  reference: string;
  /** Already filed earlier (same Message-ID or the same raw bytes): nothing new was done. */
  duplicate: boolean;
  kind: InboxKind | 'ours';
  status: InboxStatus;
  complaintReference: string | null;
  acknowledged: boolean;
}

interface ThreadTarget {
  complaintId: string | null;
  /** An earlier inbound message of the same thread (its receipt already went out). */
  parentId: string | null;
}

const CASE_REFERENCE = /\bND-\d{4}-\d{6}\b/;
const URL_IN_TEXT = /https?:\/\/[^\s<>"'()（）【】，。]+/g;

/** The address part of a From-style header value ("Name <a@b>" or "a@b"), lower case. */
export function addressOf(value: string): string {
  const m = /<([^<>\s]+@[^<>\s]+)>/.exec(value) ?? /([^\s<>"]+@[^\s<>"]+)/.exec(value);
  return (m?.[1] ?? value).trim().toLowerCase();
}

/**
 * The one filing path for mail to the contact address (local SMTP in zero-config mode, IMAP
 * otherwise): store once, keep the raw .eml, thread it to its case or leave it unfiled, and
 * answer a new message with a receipt in its thread, unless it is a loop or noise. The message
 * row, its audit events, a case transition it causes and its receipt commit together.
 */
@Injectable()
export class InboxService {
  private readonly logger = new Logger('Inbox');
  private readonly ownAddresses: Set<string>;

  constructor(
    private readonly db: DataSource,
    private readonly articles: ArticlesService,
    private readonly audit: AuditService,
    private readonly complaints: ComplaintsService,
    private readonly evidence: EvidenceStorage,
    private readonly storage: InboxStorage,
    private readonly outbox: MailOutbox,
    private readonly signal: OutboxSignal,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.ownAddresses = new Set([addressOf(config.contactEmail), addressOf(config.mailFrom)]);
  }

  async receive(raw: Buffer, source: 'smtp' | 'imap'): Promise<ReceiveResult> {
    const sha256 = createHash('sha256').update(raw).digest('hex');
    const parsed = await parseInbound(raw);
    const earlier = await this.findExisting(parsed.messageId, sha256);
    if (earlier) return earlier;
    // Our own outgoing mail delivered to the contact address (the desk's notices): already in mail_job.
    if (parsed.messageId) {
      const [ours] = await this.db.query<Array<{ id: string }>>(`SELECT id FROM mail_job WHERE message_id = $1`, [
        parsed.messageId,
      ]);
      if (ours)
        return {
          id: ours.id,
          reference: '',
          duplicate: false,
          kind: 'ours',
          status: 'ignored',
          complaintReference: null,
          acknowledged: false,
        };
    }
    const links = await this.articleLinks(parsed);
    const { accepted, refused } = checkAttachments(parsed.attachments, parsed.ignored);
    const written: string[] = [];
    let evidence: StoredFile[] = [];
    try {
      const rawKey = await this.storage.write('raw', raw, '.eml');
      written.push(rawKey);
      const attachments: InboxAttachment[] = [];
      for (const a of accepted) {
        const storageKey = await this.storage.write('files', a.buffer);
        written.push(storageKey);
        attachments.push({
          name: a.name,
          contentType: a.contentType,
          sizeBytes: a.sizeBytes,
          sha256: a.sha256,
          storageKey,
        });
      }
      const target = parsed.bounce ? { complaintId: null, parentId: null } : await this.threadOf(parsed);
      // Files sent to a case become its evidence (written before the transaction, like the form's).
      if (target.complaintId && accepted.length && !this.isNoise(parsed))
        evidence = await this.evidence.write(toEvidence(accepted));
      const result = await this.db.transaction('READ COMMITTED', (tx) =>
        this.file(tx, {
          parsed,
          sha256,
          rawKey,
          rawSize: raw.length,
          source,
          links,
          attachments,
          refused,
          target,
          evidence,
        }),
      );
      if (!result) {
        // Another instance filed the same message a moment ago.
        await this.storage.remove(written);
        await this.evidence.remove(evidence);
        return (await this.findExisting(parsed.messageId, sha256)) as ReceiveResult;
      }
      if (result.acknowledged || result.complaintReference) this.signal.kick();
      this.logger.log(
        `${result.reference} ${result.kind} -> ${result.status}${result.complaintReference ? ` (${result.complaintReference})` : ''}${result.acknowledged ? ', acknowledged' : ''}`,
      );
      return result;
    } catch (err) {
      await this.storage.remove(written);
      await this.evidence.remove(evidence);
      throw err;
    }
  }

  private isNoise(p: ParsedInbound): boolean {
    return p.autoReply || !!p.bounce || p.authFailed || (!!p.fromAddress && this.ownAddresses.has(p.fromAddress));
  }

  private kindOf(p: ParsedInbound, target: ThreadTarget): InboxKind {
    if (p.bounce) return 'bounce';
    if (p.fromAddress && this.ownAddresses.has(p.fromAddress)) return 'own';
    if (p.autoReply) return 'auto_reply';
    if (p.authFailed) return 'unauthenticated';
    return target.complaintId ? 'reply' : 'new';
  }

  private async file(
    tx: EntityManager,
    m: {
      parsed: ParsedInbound;
      sha256: string;
      rawKey: string;
      rawSize: number;
      source: 'smtp' | 'imap';
      links: InboxArticleLink[];
      attachments: InboxAttachment[];
      refused: Array<{ name: string; reason: string }>;
      target: ThreadTarget;
      evidence: StoredFile[];
    },
  ): Promise<ReceiveResult | null> {
    const p = m.parsed;
    const kind = this.kindOf(p, m.target);
    // Noise never reaches a case (a forged or automatic message must not move one).
    const complaintId = kind === 'reply' ? m.target.complaintId : null;
    const status: InboxStatus =
      kind === 'reply' ? 'filed' : kind === 'new' || kind === 'unauthenticated' ? 'unfiled' : 'ignored';
    const rows = await tx.query<Array<{ id: string; reference: string }>>(
      `INSERT INTO inbox_message (reference, message_id, raw_sha256, raw_key, raw_size, source, from_address, from_name,
                                  subject, in_reply_to, thread_ids, text_body, html_body, locale, kind, status,
                                  complaint_id, article_links, attachments, refused)
       VALUES ('M-' || to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYY') || '-' || lpad(nextval('inbox_reference_seq')::text, 6, '0'),
               $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17::jsonb, $18::jsonb, $19::jsonb)
       ON CONFLICT DO NOTHING RETURNING id, reference`,
      [
        p.messageId,
        m.sha256,
        m.rawKey,
        m.rawSize,
        m.source,
        p.fromAddress,
        p.fromName?.slice(0, 200) ?? null,
        p.subject,
        p.inReplyTo,
        p.threadIds,
        p.text.replaceAll('\u0000', ''),
        p.html?.replaceAll('\u0000', '') ?? null,
        p.locale,
        kind,
        status,
        complaintId,
        JSON.stringify(m.links),
        JSON.stringify(m.attachments),
        JSON.stringify(m.refused),
      ],
    );
    if (!rows[0]) return null;
    const { id, reference } = rows[0];
    await this.audit.append(tx, {
      actorType: 'system',
      action: 'inbox.received',
      subjectType: 'inbox_message',
      subjectId: id,
      // No address or text: the trail cannot be erased.
      payload: {
        reference,
        kind,
        status,
        sha256: m.sha256,
        attachments: m.attachments.map((a) => ({
          sha256: a.sha256,
          sizeBytes: a.sizeBytes,
          contentType: a.contentType,
        })),
        refused: m.refused.length,
      },
    });
    let complaintReference: string | null = null;
    if (complaintId) complaintReference = await this.fileToCase(tx, id, reference, complaintId, p, m.evidence);
    if (p.bounce) await this.recordBounce(tx, reference, p);
    const acknowledged =
      kind === 'new' && !m.target.parentId && (await this.acknowledge(tx, id, reference, p, m.links));
    return { id, reference, duplicate: false, kind, status, complaintReference, acknowledged };
  }

  /**
   * A message that belongs to a case joins its timeline. From the complainant to a case waiting
   * for information it is their answer: the same transition as the tracking page's answer.
   */
  async fileToCase(
    tx: EntityManager,
    inboxId: string,
    inboxReference: string,
    complaintId: string,
    p: Pick<ParsedInbound, 'fromAddress' | 'text'>,
    files: StoredFile[],
  ): Promise<string> {
    const [c] = await tx.query<Array<{ reference: string; state: string; version: number; complainant_email: string }>>(
      `SELECT reference, state, version, complainant_email FROM complaint WHERE id = $1 FOR UPDATE`,
      [complaintId],
    );
    await this.audit.append(tx, {
      actorType: p.fromAddress === c.complainant_email ? 'complainant' : 'system',
      action: 'complaint.mail_received',
      subjectType: 'complaint',
      subjectId: complaintId,
      payload: {
        reference: c.reference,
        inboxMessageId: inboxId,
        inboxReference,
        fromComplainant: p.fromAddress === c.complainant_email,
        files: files.map((f) => ({ sha256: f.sha256, sizeBytes: f.sizeBytes, contentType: f.contentType })),
      },
    });
    if (c.state === 'needs_info' && p.fromAddress === c.complainant_email) {
      // A refused answer (a guard, an edge change) must not refuse the message itself, or a mail
      // server would retry it forever: the message still joins the timeline, its files as evidence.
      await tx.query('SAVEPOINT inbox_answer');
      try {
        await this.complaints.transitionIn(
          tx,
          {
            reference: c.reference,
            to: 'in_review',
            version: c.version,
            answer: { text: (stripQuoted(p.text) || p.text).slice(0, 10000), files },
          },
          { role: 'complainant', id: null },
        );
        await tx.query('RELEASE SAVEPOINT inbox_answer');
        return c.reference;
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        await tx.query('ROLLBACK TO SAVEPOINT inbox_answer');
        this.logger.warn(`${inboxReference}: not taken as the answer on ${c.reference}: ${err.message}`);
      }
    }
    await insertEvidence(tx, complaintId, files);
    return c.reference;
  }

  /** A delivery status notification marks the bounced recipient on the original mail job. */
  private async recordBounce(tx: EntityManager, inboxReference: string, p: ParsedInbound): Promise<void> {
    const b = p.bounce;
    if (!b?.originalMessageId) return;
    // An UPDATE through TypeORM's query() answers [rows, count].
    const [jobs] = await tx.query<[Array<{ id: string; complaint_id: string | null; template: string }>, number]>(
      `UPDATE mail_job SET bounced_at = now(), bounce_reason = $2
        WHERE message_id = $1 AND bounced_at IS NULL RETURNING id, complaint_id, template`,
      [b.originalMessageId, [b.status, b.recipients.join(', ')].filter(Boolean).join(' ').slice(0, 500) || 'bounced'],
    );
    for (const job of jobs)
      await this.audit.append(tx, {
        actorType: 'system',
        action: 'mail.bounced',
        subjectType: job.complaint_id ? 'complaint' : 'mail',
        subjectId: job.complaint_id ?? job.id,
        payload: { mailJobId: job.id, template: job.template, status: b.status, inboxReference },
      });
  }

  /** The receipt for a new message, unless its sender had INBOX_ACK_LIMIT receipts this hour. */
  private async acknowledge(
    tx: EntityManager,
    id: string,
    reference: string,
    p: ParsedInbound,
    links: InboxArticleLink[],
  ): Promise<boolean> {
    if (!p.fromAddress || !p.messageId) return false;
    const [{ n }] = await tx.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM inbox_message
        WHERE lower(from_address) = $1 AND received_at > now() - interval '1 hour' AND ack_message_id IS NOT NULL`,
      [p.fromAddress],
    );
    if (n >= this.config.inboxAckLimit) return false;
    const [{ read_by }] = await tx.query<Array<{ read_by: Date }>>(
      `SELECT now() + make_interval(hours => $1::int) AS read_by`,
      [this.config.sla.firstReviewHours],
    );
    const job = await this.outbox.reply(
      tx,
      'inbox-ack',
      p.fromAddress,
      p.locale,
      {
        reference,
        senderName: p.fromName,
        subject: p.subject?.replace(/^\s*((re|fwd?|回复|答复|转发)\s*[:：]\s*)+/i, '').slice(0, 200) || null,
        readBy: read_by.toISOString(),
        formUrl: this.formUrl(p, links),
        articleCount: links.length,
      },
      null,
      { inReplyTo: p.messageId, references: [...p.threadIds, p.messageId].join(' ') },
    );
    await tx.query(`UPDATE inbox_message SET ack_message_id = $2 WHERE id = $1`, [id, job.messageId]);
    return true;
  }

  /** The complaint form, prefilled with what the message said (the form reads these parameters). */
  formUrl(p: Pick<ParsedInbound, 'fromName' | 'fromAddress' | 'text'>, links: InboxArticleLink[]): string {
    const q = new URLSearchParams();
    if (links[0]) q.set('article', links[0].slug);
    if (p.fromName) q.set('name', p.fromName.slice(0, 200));
    if (p.fromAddress) q.set('email', p.fromAddress);
    const text = stripQuoted(p.text).slice(0, 800);
    if (text) q.set('explanation', text);
    return `${this.config.publicBaseUrl}/complaints/new?${q.toString()}`;
  }

  private async threadOf(p: ParsedInbound): Promise<ThreadTarget> {
    if (p.threadIds.length) {
      const [sent] = await this.db.query<Array<{ complaint_id: string }>>(
        `SELECT complaint_id FROM mail_job WHERE message_id = ANY($1) AND complaint_id IS NOT NULL
          ORDER BY created_at DESC LIMIT 1`,
        [p.threadIds],
      );
      if (sent) return { complaintId: sent.complaint_id, parentId: null };
      const [inbound] = await this.db.query<Array<{ id: string; complaint_id: string | null }>>(
        `SELECT id, complaint_id FROM inbox_message
          WHERE (message_id = ANY($1) OR ack_message_id = ANY($1)) AND kind IN ('new', 'reply')
          ORDER BY (complaint_id IS NULL), received_at DESC LIMIT 1`,
        [p.threadIds],
      );
      if (inbound) return { complaintId: inbound.complaint_id, parentId: inbound.id };
    }
    const ref = CASE_REFERENCE.exec(p.subject ?? '')?.[0];
    if (ref) {
      const [c] = await this.db.query<Array<{ id: string }>>(`SELECT id FROM complaint WHERE reference = $1`, [ref]);
      if (c) return { complaintId: c.id, parentId: null };
    }
    return { complaintId: null, parentId: null };
  }

  private async articleLinks(p: ParsedInbound): Promise<InboxArticleLink[]> {
    const hrefs = [...(p.html ?? '').matchAll(/href\s*=\s*["']([^"']+)["']/gi)].map((x) => x[1]);
    const urls = [...new Set([...(p.text.match(URL_IN_TEXT) ?? []), ...hrefs])].slice(0, 50);
    const found = new Map<string, InboxArticleLink>();
    for (const url of urls) {
      const ref = await this.articles.resolveUrl(url.replace(/[.,;:!?]+$/, ''));
      if (ref && !found.has(ref.id))
        found.set(ref.id, { url: ref.url, articleId: ref.id, slug: ref.slug, title: ref.title });
    }
    return [...found.values()];
  }

  private async findExisting(messageId: string | null, sha256: string): Promise<ReceiveResult | null> {
    const rows = await this.db.query<
      Array<{ id: string; reference: string; kind: InboxKind; status: InboxStatus; complaint_reference: string | null }>
    >(
      `SELECT m.id, m.reference, m.kind, m.status, c.reference AS complaint_reference
         FROM inbox_message m LEFT JOIN complaint c ON c.id = m.complaint_id
        WHERE m.raw_sha256 = $2 OR ($1::text IS NOT NULL AND m.message_id = $1) LIMIT 1`,
      [messageId, sha256],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      id: r.id,
      reference: r.reference,
      duplicate: true,
      kind: r.kind,
      status: r.status,
      complaintReference: r.complaint_reference,
      acknowledged: false,
    };
  }
}

export function toEvidence(files: AcceptedAttachment[]) {
  return files.map((a) => ({
    purpose: 'evidence' as const,
    originalName: a.name,
    contentType: a.contentType,
    sizeBytes: a.sizeBytes,
    sha256: a.sha256,
    buffer: a.buffer,
  }));
}

export async function insertEvidence(tx: EntityManager, complaintId: string, files: StoredFile[]): Promise<void> {
  if (!files.length) return;
  await tx.query(
    `INSERT INTO evidence_file (complaint_id, purpose, original_name, content_type, size_bytes, sha256, storage_key)
     SELECT $1, x.purpose, x.original_name, x.content_type, x.size_bytes, x.sha256, x.storage_key
       FROM jsonb_to_recordset($2::jsonb) AS x(purpose text, original_name text, content_type text, size_bytes int, sha256 text, storage_key text)`,
    [
      complaintId,
      JSON.stringify(
        files.map((f) => ({
          purpose: f.purpose,
          original_name: f.originalName,
          content_type: f.contentType,
          size_bytes: f.sizeBytes,
          sha256: f.sha256,
          storage_key: f.storageKey,
        })),
      ),
    ],
  );
}
