import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ComplaintState } from './complaint-state';

/**
 * States whose due time is the desk's to meet. needs_info is left out: its due time is the
 * complainant's answer-by date, and its timer closes the case when it passes.
 */
export const BREACH_STATES = [
  'received',
  'in_review',
  'escalated',
  'counter_notice_review',
  'appeal_review',
] as const satisfies readonly ComplaintState[];

const IN_BREACH_STATES = `c.state IN (${BREACH_STATES.map((s) => `'${s}'`).join(', ')})`;

export interface ClaimedBreach {
  id: string;
  complaint_id: string;
  reference: string;
  state: ComplaintState;
  due_at: Date;
}

/** The sla_breach table: breaches recorded and reported by SlaDigestWorker, in its transaction. */
@Injectable()
export class SlaBreachRepository {
  /**
   * Records every open case whose due time passed before `now` (once per case and due time: a
   * breach already recorded, by this or another instance, is left alone). Inserted in id order,
   * so two instances inserting at once wait for each other instead of deadlocking.
   */
  async record(tx: EntityManager, now: Date): Promise<void> {
    await tx.query(
      `INSERT INTO sla_breach (complaint_id, due_at, state, detected_at)
       SELECT c.id, c.due_at, c.state, $1 FROM complaint c
        WHERE ${IN_BREACH_STATES} AND c.due_at < $1
        ORDER BY c.id
       ON CONFLICT (complaint_id, due_at) DO NOTHING`,
      [now],
    );
  }

  /**
   * Unreported breaches whose case is still in them (same due time, still open), locked; rows
   * another instance is reporting right now are skipped (SKIP LOCKED), so each is mailed once.
   */
  async claimUnreported(tx: EntityManager, limit: number): Promise<ClaimedBreach[]> {
    return tx.query<ClaimedBreach[]>(
      `SELECT b.id, b.complaint_id, c.reference, c.state, b.due_at
         FROM sla_breach b JOIN complaint c ON c.id = b.complaint_id AND c.due_at = b.due_at
        WHERE b.notified_at IS NULL AND ${IN_BREACH_STATES}
        ORDER BY b.due_at, b.id
        LIMIT $1
          FOR UPDATE OF b SKIP LOCKED`,
      [limit],
    );
  }

  /**
   * Unreported breaches the case has left since (answered, decided, given a new due time): closed
   * with no one told, so they do not wait for ever.
   */
  async closeStale(tx: EntityManager, now: Date): Promise<void> {
    await tx.query(
      `UPDATE sla_breach b SET notified_at = $1, recipients = 0
         FROM complaint c
        WHERE b.notified_at IS NULL AND c.id = b.complaint_id
          AND (c.due_at IS DISTINCT FROM b.due_at OR NOT ${IN_BREACH_STATES})`,
      [now],
    );
  }

  async markNotified(tx: EntityManager, ids: string[], now: Date, recipients: number): Promise<void> {
    await tx.query(`UPDATE sla_breach SET notified_at = $2, recipients = $3 WHERE id = ANY($1::uuid[])`, [
      ids,
      now,
      recipients,
    ]);
  }
}
