import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { Remedy } from '../complaints/complaint-item.entity';
import { WebhookOutbox } from './webhook.service';

export interface RemedyAction {
  remedy: Remedy;
  articleId: string;
  imageId: string | null;
  /** The item's detail (the quoted passage for passage items). */
  detail: string | null;
  /** Text for a correction note or a newsroom task; defaults to the decision's reasons. */
  text: string;
}

export interface RemedyEvent {
  event: 'article.hidden' | 'image.hidden' | 'article.corrected';
  articleId: string;
  imageId?: string;
}

/**
 * Makes upheld remedies take effect on the public site, inside the decision's transaction:
 * remove_article hides the page (it then answers 451 naming the case), remove_image replaces
 * the image with a notice, add_correction shows a dated note, edit_passage and add_attribution
 * become tasks for the newsroom. Each visible change is also queued for the publisher's CMS
 * (signed webhook), in the same transaction.
 */
@Injectable()
export class RemediesService {
  constructor(private readonly webhooks: WebhookOutbox) {}

  async apply(
    tx: EntityManager,
    complaintId: string,
    reference: string,
    actions: RemedyAction[],
  ): Promise<RemedyEvent[]> {
    const events: RemedyEvent[] = [];
    for (const a of actions) {
      switch (a.remedy) {
        case 'remove_article':
          await tx.query(`UPDATE article SET status = 'removed', removed_by = $2, updated_at = now() WHERE id = $1`, [
            a.articleId,
            complaintId,
          ]);
          events.push({ event: 'article.hidden', articleId: a.articleId });
          break;
        case 'remove_image':
          if (a.imageId) {
            await tx.query(`UPDATE article_image SET status = 'removed', removed_by = $2 WHERE id = $1`, [
              a.imageId,
              complaintId,
            ]);
            events.push({ event: 'image.hidden', articleId: a.articleId, imageId: a.imageId });
          }
          break;
        case 'add_correction':
          await tx.query(`INSERT INTO article_correction (article_id, complaint_id, body) VALUES ($1, $2, $3)`, [
            a.articleId,
            complaintId,
            a.text || `Corrected following complaint ${reference}.`,
          ]);
          events.push({ event: 'article.corrected', articleId: a.articleId });
          break;
        case 'edit_passage':
        case 'add_attribution':
          await tx.query(`INSERT INTO newsroom_task (article_id, complaint_id, kind, detail) VALUES ($1, $2, $3, $4)`, [
            a.articleId,
            complaintId,
            a.remedy,
            [a.detail ? `«${a.detail}»` : null, a.text].filter(Boolean).join('\n') || reference,
          ]);
          break;
        case 'no_action':
          break;
        default: {
          const never: never = a.remedy;
          throw new Error(`unknown remedy ${String(never)}`);
        }
      }
    }
    for (const e of events) {
      const [a] = await tx.query<Array<{ slug: string; url: string }>>(`SELECT slug, url FROM article WHERE id = $1`, [
        e.articleId,
      ]);
      await this.webhooks.enqueue(tx, e.event, {
        complaint: reference,
        article: { id: e.articleId, slug: a?.slug, url: a?.url },
        ...(e.imageId ? { image: { id: e.imageId } } : {}),
      });
    }
    return events;
  }
}
