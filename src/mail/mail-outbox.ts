import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import type { MailLocale } from './mail-helpers';
import { mailDomain, newMessageId } from './message-id';

export { mailDomain, newMessageId } from './message-id';

export interface OutboxJob {
  template: string;
  locale: MailLocale;
  to: string;
  payload: Record<string, unknown>;
  complaintId?: string | null;
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

  async enqueue(tx: EntityManager, job: OutboxJob): Promise<{ id: string; messageId: string }> {
    const ids = newMessageId(this.domain);
    await tx.query(
      `INSERT INTO mail_job (id, template, locale, to_address, message_id, payload, complaint_id)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)`,
      [ids.id, job.template, job.locale, job.to, ids.messageId, JSON.stringify(job.payload), job.complaintId ?? null],
    );
    return ids;
  }
}
