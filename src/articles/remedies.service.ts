import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { Remedy } from '../complaints/complaint-item.entity';
import { WebhookOutbox } from './webhook.service';
import { returnedRows } from '../database/returned-rows';

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
  event:
    | 'article.hidden'
    | 'image.hidden'
    | 'article.corrected'
    | 'article.restored'
    | 'image.restored'
    | 'article.correction_withdrawn';
  articleId: string;
  imageId?: string;
}

/** What reversing a case's remedies did per item (kept in the transition's audit event). */
export interface ReversedItem {
  item: number;
  remedy: string;
  /** reversed: undone on the site; kept: another standing case holds the same remedy; task: newsroom tasks cancelled or left to undo by hand. */
  outcome: 'reversed' | 'kept' | 'tasks_cancelled' | 'nothing_to_undo';
  /** The standing case that keeps the remedy in force (outcome 'kept'). */
  keptBy?: string;
}

/**
 * Makes upheld remedies take effect on the public site, inside the decision's transaction:
 * remove_article hides the page (it then answers 451 naming the case), remove_image replaces
 * the image with a notice, add_correction shows a dated note, edit_passage and add_attribution
 * become tasks for the newsroom. Each visible change is also queued for the publisher's CMS
 * (signed webhook), in the same transaction. reverse() undoes exactly what a case applied.
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
    await this.notify(tx, reference, events);
    return events;
  }

  /**
   * Reverses exactly the remedies this case applied and that still stand (restoration after a
   * valid counter-notice, an appeal decided for the owner, a withdrawal). A public change is
   * undone only where no other standing case holds the same remedy on the same article or image
   * (that case keeps it in force and becomes its holder); the case's own correction notes are
   * withdrawn (they were the remedy); its open newsroom tasks are cancelled. Each item records
   * when it was reversed; each visible change queues its signed `*.restored` webhook.
   */
  async reverse(
    tx: EntityManager,
    complaintId: string,
    reference: string,
    /** Only these items (an appeal changing some remedies); all of the case's when absent. */
    positions?: readonly number[],
  ): Promise<ReversedItem[]> {
    const only = positions ? [...positions] : null;
    const items = await tx.query<
      Array<{ position: number; remedy: string; article_id: string; image_id: string | null }>
    >(
      `SELECT position, remedy, article_id, image_id FROM complaint_item
        WHERE complaint_id = $1 AND remedy IS NOT NULL AND remedy_applied_at IS NOT NULL AND remedy_reversed_at IS NULL
          AND ($2::int[] IS NULL OR position = ANY($2::int[]))
        ORDER BY position FOR UPDATE`,
      [complaintId, only],
    );
    const events: RemedyEvent[] = [];
    const done: ReversedItem[] = [];
    for (const i of items) {
      const entry: ReversedItem = { item: i.position, remedy: i.remedy, outcome: 'nothing_to_undo' };
      switch (i.remedy) {
        case 'remove_article': {
          const other = await this.standing(tx, complaintId, i.article_id, null, 'remove_article');
          if (other) {
            await tx.query(`UPDATE article SET removed_by = $2 WHERE id = $1 AND removed_by = $3`, [
              i.article_id,
              other.id,
              complaintId,
            ]);
            Object.assign(entry, { outcome: 'kept', keptBy: other.reference });
          } else {
            await tx.query(
              `UPDATE article SET status = 'published', removed_by = NULL, updated_at = now() WHERE id = $1 AND status = 'removed'`,
              [i.article_id],
            );
            events.push({ event: 'article.restored', articleId: i.article_id });
            entry.outcome = 'reversed';
          }
          break;
        }
        case 'remove_image': {
          if (!i.image_id) break;
          const other = await this.standing(tx, complaintId, i.article_id, i.image_id, 'remove_image');
          if (other) {
            await tx.query(`UPDATE article_image SET removed_by = $2 WHERE id = $1 AND removed_by = $3`, [
              i.image_id,
              other.id,
              complaintId,
            ]);
            Object.assign(entry, { outcome: 'kept', keptBy: other.reference });
          } else {
            await tx.query(
              `UPDATE article_image SET status = 'visible', removed_by = NULL WHERE id = $1 AND status = 'removed'`,
              [i.image_id],
            );
            events.push({ event: 'image.restored', articleId: i.article_id, imageId: i.image_id });
            entry.outcome = 'reversed';
          }
          break;
        }
        case 'add_correction': {
          const withdrawn = await tx.query<Array<{ id: string }>>(
            `UPDATE article_correction SET withdrawn_at = now()
              WHERE complaint_id = $1 AND article_id = $2 AND withdrawn_at IS NULL RETURNING id`,
            [complaintId, i.article_id],
          );
          if (returnedRows(withdrawn).length) {
            events.push({ event: 'article.correction_withdrawn', articleId: i.article_id });
            entry.outcome = 'reversed';
          }
          break;
        }
        case 'edit_passage':
        case 'add_attribution':
          await tx.query(
            `UPDATE newsroom_task SET status = 'cancelled' WHERE complaint_id = $1 AND article_id = $2 AND kind = $3 AND status = 'open'`,
            [complaintId, i.article_id, i.remedy],
          );
          entry.outcome = 'tasks_cancelled';
          break;
      }
      done.push(entry);
    }
    await tx.query(
      `UPDATE complaint_item SET remedy_reversed_at = now()
        WHERE complaint_id = $1 AND remedy_applied_at IS NOT NULL AND remedy_reversed_at IS NULL
          AND ($2::int[] IS NULL OR position = ANY($2::int[]))`,
      [complaintId, only],
    );
    await this.notify(tx, reference, events);
    return done;
  }

  /** Another case whose same remedy on this article (or image) still stands, oldest first. */
  private async standing(
    tx: EntityManager,
    complaintId: string,
    articleId: string,
    imageId: string | null,
    remedy: string,
  ): Promise<{ id: string; reference: string } | undefined> {
    const [row] = await tx.query<Array<{ id: string; reference: string }>>(
      `SELECT c.id, c.reference FROM complaint_item i JOIN complaint c ON c.id = i.complaint_id
        WHERE i.article_id = $1 AND i.remedy = $2 AND i.complaint_id <> $3
          AND ($4::uuid IS NULL OR i.image_id = $4::uuid)
          AND i.remedy_applied_at IS NOT NULL AND i.remedy_reversed_at IS NULL
        ORDER BY i.remedy_applied_at LIMIT 1`,
      [articleId, remedy, complaintId, imageId],
    );
    return row;
  }

  private async notify(tx: EntityManager, reference: string, events: RemedyEvent[]): Promise<void> {
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
  }
}
