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

/** A parsed message with what filing needs that does not depend on other messages. */
export interface PreparedInbound {
  raw: Buffer;
  sha256: string;
  parsed: ParsedInbound;
  links: InboxArticleLink[];
  accepted: AcceptedAttachment[];
  refused: Array<{ name: string; reason: string }>;
}

/** Files written for a filing transaction (removed again when it does not commit). */
export class FilingFiles {
  readonly keys: string[] = [];
  readonly evidence: StoredFile[] = [];
}

const OURS: ReceiveResult = {
  id: '',
  reference: '',
  duplicate: false,
  kind: 'ours',
  status: 'ignored',
  complaintReference: null,
  acknowledged: false,
};

/** Runs fn over items, at most `limit` at a time. */
export async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
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

  /** Parses a raw message and finds what filing needs that does not depend on other messages. */
  async prepare(raw: Buffer): Promise<PreparedInbound> {
    const sha256 = createHash('sha256').update(raw).digest('hex');
    const parsed = await parseInbound(raw);
    const links = await this.articleLinks(parsed);
    const { accepted, refused } = checkAttachments(parsed.attachments, parsed.ignored);
    return { raw, sha256, parsed, links, accepted, refused };
  }

  /** One message in its own transaction (the local SMTP server, tests). */
  async receive(raw: Buffer, source: 'smtp' | 'imap'): Promise<ReceiveResult> {
    const prepared = await this.prepare(raw);
    const files = new FilingFiles();
    try {
      const [result] = await this.db.transaction('READ COMMITTED', (tx) =>
        this.fileMany(tx, [prepared], source, files),
      );
      this.afterCommit([result]);
      return result;
    } catch (err) {
      await this.discard(files);
      throw err;
    }
  }

  /** After the filing transaction committed: wake the mail worker, log. */
  afterCommit(results: ReceiveResult[]): void {
    if (results.some((r) => !r.duplicate && (r.acknowledged || r.complaintReference))) this.signal.kick();
    for (const r of results)
      if (!r.duplicate && r.kind !== 'ours')
        this.logger.log(
          `${r.reference} ${r.kind} -> ${r.status}${r.complaintReference ? ` (${r.complaintReference})` : ''}${r.acknowledged ? ', acknowledged' : ''}`,
        );
  }

  /** The files a filing transaction wrote, removed when it does not commit. */
  async discard(files: FilingFiles): Promise<void> {
    await this.storage.remove(files.keys.splice(0));
    await this.evidence.remove(files.evidence.splice(0));
  }

  /**
   * Files messages, in order, in the caller's transaction (which the caller commits; on failure
   * it calls discard(files)). Each is stored once (Message-ID, raw hash: earlier rows, the same
   * message twice in the list, or another instance filing it now are all duplicates). Messages
   * that cannot belong to a thread (no In-Reply-To/References, no case reference in the subject,
   * not a bounce) are filed together, a few statements for the lot: message rows, audit events,
   * receipts (sender limit counted across the lot). Others go one by one, after those before them,
   * so a reply finds the message it answers even when both came in the same batch.
   */
  async fileMany(
    tx: EntityManager,
    items: PreparedInbound[],
    source: 'smtp' | 'imap',
    files: FilingFiles,
  ): Promise<ReceiveResult[]> {
    const results: Array<ReceiveResult | null> = items.map(() => null);
    const messageIds = items.map((i) => i.parsed.messageId).filter((x): x is string => !!x);
    const [earlier, ours] = await Promise.all([
      this.findExistingMany(
        tx,
        messageIds,
        items.map((i) => i.sha256),
      ),
      messageIds.length
        ? tx.query<Array<{ id: string; message_id: string }>>(
            `SELECT id, message_id FROM mail_job WHERE message_id = ANY($1)`,
            [messageIds],
          )
        : Promise.resolve([]),
    ]);
    const oursById = new Map(ours.map((o) => [o.message_id, o.id]));
    // The first of several copies in this list is filed; the others point at it.
    const firstBySha = new Map<string, number>();
    const firstById = new Map<string, number>();
    const copyOf = new Map<number, number>();
    const todo: number[] = [];
    items.forEach((it, i) => {
      const id = it.parsed.messageId;
      const found = earlier.find((e) => e.sha256 === it.sha256 || (!!id && e.messageId === id));
      if (found) return void (results[i] = found.result);
      // Our own outgoing mail delivered to the contact address (the desk's notices): already in mail_job.
      const mine = id ? oursById.get(id) : undefined;
      if (mine) return void (results[i] = { ...OURS, id: mine });
      const first = firstBySha.get(it.sha256) ?? (id ? firstById.get(id) : undefined);
      if (first !== undefined) return void copyOf.set(i, first);
      firstBySha.set(it.sha256, i);
      if (id) firstById.set(id, i);
      todo.push(i);
    });
    // Raw messages and attachments, written (and fsynced) a few at a time before the rows.
    const stored = new Map<number, { rawKey: string; attachments: InboxAttachment[] }>();
    await mapLimit(todo, 8, async (i) => stored.set(i, await this.writeFiles(items[i], files)));

    let chunk: number[] = [];
    const flush = async () => {
      if (!chunk.length) return;
      const filed = await this.fileUnthreaded(
        tx,
        chunk.map((i) => ({ ...items[i], ...stored.get(i)!, source })),
      );
      for (const [k, i] of chunk.entries()) results[i] = filed[k] ?? null;
      chunk = [];
    };
    for (const i of todo) {
      const p = items[i].parsed;
      if (!p.bounce && !p.threadIds.length && !CASE_REFERENCE.test(p.subject ?? '')) {
        chunk.push(i);
        continue;
      }
      await flush();
      results[i] = await this.fileOne(tx, { ...items[i], ...stored.get(i)!, source }, files);
    }
    await flush();
    // Not inserted: another instance filed the same message meanwhile (its row is visible now).
    const lost = todo.filter((i) => !results[i]);
    if (lost.length) {
      await this.storage.remove(
        lost.flatMap((i) => [stored.get(i)!.rawKey, ...stored.get(i)!.attachments.map((a) => a.storageKey)]),
      );
      const now = await this.findExistingMany(
        tx,
        messageIds,
        lost.map((i) => items[i].sha256),
      );
      for (const i of lost)
        results[i] =
          now.find(
            (e) =>
              e.sha256 === items[i].sha256 ||
              (!!items[i].parsed.messageId && e.messageId === items[i].parsed.messageId),
          )?.result ?? null;
    }
    for (const [i, first] of copyOf) {
      const r = results[first];
      if (r) results[i] = { ...r, duplicate: true, acknowledged: false };
    }
    return results.map((r, i) => {
      if (!r) throw new Error(`message ${i} of the batch was neither filed nor found`);
      return r;
    });
  }

  private async writeFiles(
    item: PreparedInbound,
    files: FilingFiles,
  ): Promise<{ rawKey: string; attachments: InboxAttachment[] }> {
    const rawKey = await this.storage.write('raw', item.raw, '.eml');
    files.keys.push(rawKey);
    const attachments: InboxAttachment[] = [];
    for (const a of item.accepted) {
      const storageKey = await this.storage.write('files', a.buffer);
      files.keys.push(storageKey);
      attachments.push({
        name: a.name,
        contentType: a.contentType,
        sizeBytes: a.sizeBytes,
        sha256: a.sha256,
        storageKey,
      });
    }
    return { rawKey, attachments };
  }

  /** A message that may belong to a thread or a case: threaded in the transaction, filed alone. */
  private async fileOne(
    tx: EntityManager,
    m: PreparedInbound & { rawKey: string; attachments: InboxAttachment[]; source: 'smtp' | 'imap' },
    files: FilingFiles,
  ): Promise<ReceiveResult | null> {
    const p = m.parsed;
    const target = p.bounce ? { complaintId: null, parentId: null } : await this.threadOf(tx, p);
    let evidence: StoredFile[] = [];
    // Files sent to a case become its evidence.
    if (target.complaintId && m.accepted.length && !this.isNoise(p)) {
      evidence = await this.evidence.write(toEvidence(m.accepted));
      files.evidence.push(...evidence);
    }
    const result = await this.file(tx, {
      parsed: p,
      sha256: m.sha256,
      rawKey: m.rawKey,
      rawSize: m.raw.length,
      source: m.source,
      links: m.links,
      attachments: m.attachments,
      refused: m.refused,
      target,
      evidence,
    });
    if (!result && evidence.length) await this.evidence.remove(evidence);
    return result;
  }

  /**
   * Messages that belong to no thread, filed with one INSERT each for the rows, their audit
   * events, their receipts and the receipts' Message-IDs. The per-sender limit counts receipts
   * already sent this hour and those given earlier in the list. A row another instance inserted
   * first is left out (null).
   */
  private async fileUnthreaded(
    tx: EntityManager,
    list: Array<PreparedInbound & { rawKey: string; attachments: InboxAttachment[]; source: 'smtp' | 'imap' }>,
  ): Promise<Array<ReceiveResult | null>> {
    const none: ThreadTarget = { complaintId: null, parentId: null };
    const rows = list.map((m, ord) => {
      const p = m.parsed;
      const kind = this.kindOf(p, none);
      const status: InboxStatus = kind === 'new' || kind === 'unauthenticated' ? 'unfiled' : 'ignored';
      return {
        ord,
        message_id: p.messageId,
        raw_sha256: m.sha256,
        raw_key: m.rawKey,
        raw_size: m.raw.length,
        source: m.source,
        from_address: p.fromAddress,
        from_name: p.fromName?.slice(0, 200) ?? null,
        subject: p.subject,
        in_reply_to: p.inReplyTo,
        thread_ids: p.threadIds,
        text_body: p.text.replaceAll('\u0000', ''),
        html_body: p.html?.replaceAll('\u0000', '') ?? null,
        locale: p.locale,
        kind,
        status,
        article_links: m.links,
        attachments: m.attachments,
        refused: m.refused,
      };
    });
    // Row by row in list order (ORDER BY ord), so references follow arrival.
    const inserted = await tx.query<Array<{ id: string; reference: string; raw_sha256: string }>>(
      `INSERT INTO inbox_message (reference, message_id, raw_sha256, raw_key, raw_size, source, from_address, from_name,
                                  subject, in_reply_to, thread_ids, text_body, html_body, locale, kind, status,
                                  article_links, attachments, refused)
       SELECT 'M-' || to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYY') || '-' || lpad(nextval('inbox_reference_seq')::text, 6, '0'),
              x.message_id, x.raw_sha256, x.raw_key, x.raw_size, x.source, x.from_address, x.from_name, x.subject,
              x.in_reply_to, ARRAY(SELECT jsonb_array_elements_text(x.thread_ids)), x.text_body, x.html_body, x.locale,
              x.kind, x.status, x.article_links, x.attachments, x.refused
         FROM (SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(
                 ord int, message_id text, raw_sha256 text, raw_key text, raw_size int, source text, from_address text,
                 from_name text, subject text, in_reply_to text, thread_ids jsonb, text_body text, html_body text,
                 locale text, kind text, status text, article_links jsonb, attachments jsonb, refused jsonb)
               ORDER BY ord) x
       ON CONFLICT DO NOTHING RETURNING id, reference, raw_sha256`,
      [JSON.stringify(rows)],
    );
    const bySha = new Map(inserted.map((r) => [r.raw_sha256, r]));
    const results: Array<ReceiveResult | null> = rows.map((row) => {
      const r = bySha.get(row.raw_sha256);
      if (!r) return null;
      return {
        id: r.id,
        reference: r.reference,
        duplicate: false,
        kind: row.kind,
        status: row.status,
        complaintReference: null,
        acknowledged: false,
      };
    });
    if (!inserted.length) return results;
    await this.audit.appendMany(
      tx,
      results.flatMap((r, k) =>
        r
          ? [
              {
                actorType: 'system' as const,
                action: 'inbox.received',
                subjectType: 'inbox_message',
                subjectId: r.id,
                // No address or text: the trail cannot be erased.
                payload: {
                  reference: r.reference,
                  kind: r.kind,
                  status: r.status,
                  sha256: list[k].sha256,
                  attachments: list[k].attachments.map((a) => ({
                    sha256: a.sha256,
                    sizeBytes: a.sizeBytes,
                    contentType: a.contentType,
                  })),
                  refused: list[k].refused.length,
                },
              },
            ]
          : [],
      ),
    );
    // Receipts: new messages with a sender and a Message-ID to answer, within the sender's limit.
    const wanting = results
      .map((r, k) => ({ r, k, p: list[k].parsed }))
      .filter(({ r, p }) => r?.kind === 'new' && !!p.fromAddress && !!p.messageId);
    if (!wanting.length) return results;
    const senders = [...new Set(wanting.map((w) => w.p.fromAddress!))];
    const counts = await tx.query<Array<{ sender: string; n: number }>>(
      `SELECT lower(from_address) AS sender, count(*)::int AS n FROM inbox_message
        WHERE lower(from_address) = ANY($1) AND received_at > now() - interval '1 hour' AND ack_message_id IS NOT NULL
        GROUP BY 1`,
      [senders],
    );
    const given = new Map(counts.map((c) => [c.sender, c.n]));
    const acks = wanting.filter(({ p }) => {
      const n = given.get(p.fromAddress!) ?? 0;
      if (n >= this.config.inboxAckLimit) return false;
      given.set(p.fromAddress!, n + 1);
      return true;
    });
    if (!acks.length) return results;
    const [{ read_by }] = await tx.query<Array<{ read_by: Date }>>(
      `SELECT now() + make_interval(hours => $1::int) AS read_by`,
      [this.config.sla.firstReviewHours],
    );
    const jobs = await this.outbox.replyMany(
      tx,
      'inbox-ack',
      acks.map(({ r, k, p }) => ({
        to: p.fromAddress!,
        locale: p.locale,
        payload: this.ackPayload(r!.reference, p, list[k].links, read_by),
        thread: { inReplyTo: p.messageId!, references: [...p.threadIds, p.messageId!].join(' ') },
      })),
    );
    await tx.query(
      `UPDATE inbox_message m SET ack_message_id = x.ack FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, ack text)
        WHERE m.id = x.id`,
      [JSON.stringify(acks.map(({ r }, j) => ({ id: r!.id, ack: jobs[j].messageId })))],
    );
    for (const { r } of acks) r!.acknowledged = true;
    return results;
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
      this.ackPayload(reference, p, links, read_by),
      null,
      { inReplyTo: p.messageId, references: [...p.threadIds, p.messageId].join(' ') },
    );
    await tx.query(`UPDATE inbox_message SET ack_message_id = $2 WHERE id = $1`, [id, job.messageId]);
    return true;
  }

  private ackPayload(reference: string, p: ParsedInbound, links: InboxArticleLink[], readBy: Date) {
    return {
      reference,
      senderName: p.fromName,
      subject: p.subject?.replace(/^\s*((re|fwd?|回复|答复|转发)\s*[:：]\s*)+/i, '').slice(0, 200) || null,
      readBy: readBy.toISOString(),
      formUrl: this.formUrl(p, links),
      articleCount: links.length,
    };
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

  private async threadOf(tx: EntityManager, p: ParsedInbound): Promise<ThreadTarget> {
    if (p.threadIds.length) {
      const [sent] = await tx.query<Array<{ complaint_id: string }>>(
        `SELECT complaint_id FROM mail_job WHERE message_id = ANY($1) AND complaint_id IS NOT NULL
          ORDER BY created_at DESC LIMIT 1`,
        [p.threadIds],
      );
      if (sent) return { complaintId: sent.complaint_id, parentId: null };
      const [inbound] = await tx.query<Array<{ id: string; complaint_id: string | null }>>(
        `SELECT id, complaint_id FROM inbox_message
          WHERE (message_id = ANY($1) OR ack_message_id = ANY($1)) AND kind IN ('new', 'reply')
          ORDER BY (complaint_id IS NULL), received_at DESC LIMIT 1`,
        [p.threadIds],
      );
      if (inbound) return { complaintId: inbound.complaint_id, parentId: inbound.id };
    }
    const ref = CASE_REFERENCE.exec(p.subject ?? '')?.[0];
    if (ref) {
      const [c] = await tx.query<Array<{ id: string }>>(`SELECT id FROM complaint WHERE reference = $1`, [ref]);
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

  /** Rows already filed with one of these Message-IDs or raw hashes. */
  private async findExistingMany(
    tx: EntityManager,
    messageIds: string[],
    sha256s: string[],
  ): Promise<Array<{ messageId: string | null; sha256: string; result: ReceiveResult }>> {
    const rows = await tx.query<
      Array<{
        id: string;
        reference: string;
        message_id: string | null;
        raw_sha256: string;
        kind: InboxKind;
        status: InboxStatus;
        complaint_reference: string | null;
      }>
    >(
      `SELECT m.id, m.reference, m.message_id, m.raw_sha256, m.kind, m.status, c.reference AS complaint_reference
         FROM inbox_message m LEFT JOIN complaint c ON c.id = m.complaint_id
        WHERE m.raw_sha256 = ANY($2) OR m.message_id = ANY($1)`,
      [messageIds, sha256s],
    );
    return rows.map((r) => ({
      messageId: r.message_id,
      sha256: r.raw_sha256,
      result: {
        id: r.id,
        reference: r.reference,
        duplicate: true,
        kind: r.kind,
        status: r.status,
        complaintReference: r.complaint_reference,
        acknowledged: false,
      },
    }));
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
