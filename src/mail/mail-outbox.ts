import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ValidationError } from '../common/domain-error';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import type { MailLocale } from './mail-helpers';
import type { MailPayloads, MailTemplate } from './mail-templates';
import { mailDomain, newMessageId } from './message-id';

export { mailDomain, newMessageId } from './message-id';

/** Templates that tell a party a decision; each must carry its reasons (DSA Art. 17, DESIGN.md). */
export const DECISION_TEMPLATES: readonly string[] = [
  'complaint-actioned',
  'complaint-rejected',
  'owner-notice',
  'appeal-decided',
];

/**
 * Thrown inside the caller's transaction, so the decision that wanted to send it does not commit
 * either; a 422 on `reason` for whoever asked for the decision (never a silent empty section).
 */
export class DecisionWithoutReasonsError extends ValidationError {
  constructor(template: string) {
    const message = `A ${template} mail must state the decision's reasons; refusing to queue it without`;
    super([{ field: 'reason', rule: 'required', message }], message);
  }
}

export interface OutboxJob {
  template: string;
  locale: MailLocale;
  to: string;
  payload: Record<string, unknown>;
  complaintId?: string | null;
  /** A reply to inbound mail: In-Reply-To and the References chain (space-separated). */
  thread?: MailThread | null;
}

export interface MailThread {
  inReplyTo: string;
  references: string;
}

/**
 * Queues a message in the caller's transaction, so it exists exactly when the change that
 * causes it commits. Sending happens later in MailWorker, outside any transaction.
 * The intake path writes the same row in its own CTE with newMessageId()/mailDomain().
 */
@Injectable()
export class MailOutbox {
  private readonly domain: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.domain = mailDomain(config);
  }

  /**
   * One named message, its payload typed by MailPayloads: the only way feature code queues mail.
   * Decision mails still need non-blank reasons (checked below, inside the caller's transaction).
   */
  send<T extends MailTemplate>(
    tx: EntityManager,
    template: T,
    to: string,
    locale: MailLocale,
    payload: MailPayloads[T],
    complaintId: string | null = null,
  ): Promise<{ id: string; messageId: string }> {
    return this.enqueue(tx, { template, locale, to, payload: { ...payload }, complaintId });
  }

  /** send() as a reply in the thread of an inbound message (the contact mailbox). */
  reply<T extends MailTemplate>(
    tx: EntityManager,
    template: T,
    to: string,
    locale: MailLocale,
    payload: MailPayloads[T],
    complaintId: string | null,
    thread: MailThread,
  ): Promise<{ id: string; messageId: string }> {
    return this.enqueue(tx, { template, locale, to, payload: { ...payload }, complaintId, thread });
  }

  /**
   * reply() for many messages in one statement (the IMAP poller files a batch per transaction).
   * Replies without a case only: a case's thread lookup stays in enqueue().
   */
  async replyMany<T extends MailTemplate>(
    tx: EntityManager,
    template: T,
    jobs: Array<{ to: string; locale: MailLocale; payload: MailPayloads[T]; thread: MailThread }>,
  ): Promise<Array<{ id: string; messageId: string }>> {
    if (DECISION_TEMPLATES.includes(template)) throw new Error(`${template} is queued one by one (send())`);
    if (!jobs.length) return [];
    const ids = jobs.map(() => newMessageId(this.domain));
    await tx.query(
      `INSERT INTO mail_job (id, template, locale, to_address, message_id, payload, in_reply_to, reply_references)
       SELECT x.id, $1, x.locale, x.to_address, x.message_id, x.payload, x.in_reply_to, x.reply_references
         FROM jsonb_to_recordset($2::jsonb) AS x(id uuid, locale text, to_address text, message_id text, payload jsonb,
                                                 in_reply_to text, reply_references text)`,
      [
        template,
        JSON.stringify(
          jobs.map((j, i) => ({
            id: ids[i].id,
            locale: j.locale,
            to_address: j.to,
            message_id: ids[i].messageId,
            payload: { ...j.payload },
            in_reply_to: j.thread.inReplyTo,
            reply_references: j.thread.references,
          })),
        ),
      ],
    );
    return ids;
  }

  /** The untyped row writer behind send() (kept for tests that need to write an odd row). */
  async enqueue(tx: EntityManager, job: OutboxJob): Promise<{ id: string; messageId: string }> {
    const reason = job.payload.reason;
    if (DECISION_TEMPLATES.includes(job.template) && (typeof reason !== 'string' || !reason.trim())) {
      throw new DecisionWithoutReasonsError(job.template);
    }
    const ids = newMessageId(this.domain);
    await tx.query(
      // A case that began as (or took in) an email to the contact address keeps its mail to that
      // sender in the sender's thread: the latest message they sent about it is the parent.
      `INSERT INTO mail_job (id, template, locale, to_address, message_id, payload, complaint_id, in_reply_to, reply_references)
       SELECT $1, $2, $3, $4, $5, $6::jsonb, $7, coalesce($8, t.message_id), coalesce($9, t.refs)
         FROM (SELECT 1) one
         LEFT JOIN LATERAL (
           SELECT m.message_id, array_to_string(m.thread_ids || m.message_id, ' ') AS refs
             FROM inbox_message m
            WHERE $7::uuid IS NOT NULL AND m.complaint_id = $7 AND m.from_address = lower($4) AND m.message_id IS NOT NULL
            ORDER BY m.received_at DESC LIMIT 1) t ON true`,
      [
        ids.id,
        job.template,
        job.locale,
        job.to,
        ids.messageId,
        JSON.stringify(job.payload),
        job.complaintId ?? null,
        job.thread?.inReplyTo ?? null,
        job.thread?.references ?? null,
      ],
    );
    return ids;
  }
}
