import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';

/**
 * What the CMS is told: an article or image must be hidden or shown again, or was corrected;
 * `*.restored` and `article.correction_withdrawn` when a case's remedies are reversed
 * (restoration after a counter-notice, an appeal, a withdrawal).
 */
export type WebhookEvent =
  | 'article.hidden'
  | 'article.shown'
  | 'image.hidden'
  | 'image.shown'
  | 'article.corrected'
  | 'article.restored'
  | 'image.restored'
  | 'article.correction_withdrawn';

export const WEBHOOK_EVENTS: readonly WebhookEvent[] = [
  'article.hidden',
  'article.shown',
  'image.hidden',
  'image.shown',
  'article.corrected',
  'article.restored',
  'image.restored',
  'article.correction_withdrawn',
];

/**
 * The CMS webhook outbox. enqueue() writes a webhook_job row in the caller's transaction, so
 * the CMS hears about a remedy exactly when it commits (and never about one that rolled back);
 * WebhookWorker delivers it later, signed, with retries. Without CMS_WEBHOOK_URL it does
 * nothing: there is nobody to tell.
 */
@Injectable()
export class WebhookOutbox {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get enabled(): boolean {
    return Boolean(this.config.cmsWebhookUrl);
  }

  /** Queues one delivery; returns its id (the X-Notice-Desk-Delivery header), or null when disabled. */
  async enqueue(tx: EntityManager, event: WebhookEvent, payload: Record<string, unknown>): Promise<string | null> {
    if (!this.enabled) return null;
    if (!WEBHOOK_EVENTS.includes(event)) throw new Error(`unknown webhook event ${JSON.stringify(event)}`);
    const [row] = await tx.query<Array<{ id: string }>>(
      `INSERT INTO webhook_job (event, payload) VALUES ($1, $2::jsonb) RETURNING id`,
      [event, JSON.stringify(payload)],
    );
    return row.id;
  }
}
