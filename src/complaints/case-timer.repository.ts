import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { CaseTimerKind, ComplaintState } from './complaint-state';

export interface DueTimer {
  id: string;
  kind: CaseTimerKind;
  complaint_id: string;
  due_at: Date;
  attempts: number;
  reference: string;
  state: ComplaintState;
  version: number;
}

/**
 * Proof of a suit received and not yet reviewed: the restoration waits for the review, even past
 * its date (512(g)(2)(C): restore "unless [the agent] first receives notice" of an action; 条例 17
 * and 民法典 1196 likewise end the measures only if no such notice arrived). Refused, the overdue
 * timer restores at the next run; accepted, litigation_hold cancels it.
 */
export const PROOF_PENDING = `EXISTS (SELECT 1 FROM litigation_proof p WHERE p.complaint_id = t.complaint_id AND p.status = 'pending')`;

/**
 * One due timer and its case, both locked, or nothing. SKIP LOCKED on both rows: a timer another
 * instance is firing is passed over, and so is a case someone is changing right now (their
 * transaction may be cancelling this very timer; locking the case first on both sides would
 * deadlock). The locks last until the caller's transaction ends: a crash or a rollback releases
 * them with nothing written, so the timer is simply due again.
 */
const CLAIM_SQL = `
  SELECT t.id, t.kind, t.complaint_id, t.due_at, t.attempts, c.reference, c.state, c.version
    FROM case_timer t JOIN complaint c ON c.id = t.complaint_id
   WHERE t.done_at IS NULL AND t.due_at <= $1 AND (t.retry_at IS NULL OR t.retry_at <= $1)
     AND NOT (t.kind = 'restoration_due' AND ${PROOF_PENDING})
   ORDER BY t.due_at, t.id
   LIMIT 1
     FOR UPDATE OF t, c SKIP LOCKED`;

/** The case_timer table: scheduled by edges, fired by TimerWorker. */
@Injectable()
export class CaseTimerRepository {
  /** The case's pending timer of this kind, due at `dueAt` (a pending one is moved, never doubled). */
  async schedule(tx: EntityManager, complaintId: string, kind: CaseTimerKind, dueAt: Date): Promise<void> {
    await tx.query(
      `INSERT INTO case_timer (kind, complaint_id, due_at) VALUES ($1, $2, $3)
       ON CONFLICT (complaint_id, kind) WHERE done_at IS NULL
       DO UPDATE SET due_at = EXCLUDED.due_at, attempts = 0, retry_at = NULL, last_error = NULL`,
      [kind, complaintId, dueAt],
    );
  }

  /** Ends the case's pending timer of this kind, if any; returns whether there was one. */
  async cancel(tx: EntityManager, complaintId: string, kind: CaseTimerKind, at: Date): Promise<boolean> {
    const [, count] = await tx.query<[unknown, number]>(
      `UPDATE case_timer SET done_at = $3, outcome = 'cancelled'
        WHERE complaint_id = $1 AND kind = $2 AND done_at IS NULL`,
      [complaintId, kind, at],
    );
    return count > 0;
  }

  async claimDue(tx: EntityManager, now: Date): Promise<DueTimer | null> {
    const rows = await tx.query<DueTimer[]>(CLAIM_SQL, [now]);
    return rows[0] ?? null;
  }

  /** Whether the case has proof of a suit awaiting review (read with a fresh snapshot). */
  async proofPending(tx: EntityManager, complaintId: string): Promise<boolean> {
    const rows = await tx.query<unknown[]>(
      `SELECT 1 FROM litigation_proof WHERE complaint_id = $1 AND status = 'pending' LIMIT 1`,
      [complaintId],
    );
    return rows.length > 0;
  }

  async finish(tx: EntityManager, id: string, outcome: 'fired' | 'skipped' | 'failed', at: Date): Promise<void> {
    await tx.query(
      `UPDATE case_timer SET done_at = $2, outcome = $3, attempts = attempts + 1 WHERE id = $1 AND done_at IS NULL`,
      [id, at, outcome],
    );
  }

  /** A failed attempt (its transaction rolled back): counted, and not tried again before `retryAt`. */
  async failed(db: Pick<EntityManager, 'query'>, id: string, error: string, retryAt: Date): Promise<number> {
    const rows = await db.query<[Array<{ attempts: number }>, number]>(
      `UPDATE case_timer SET attempts = attempts + 1, last_error = $2, retry_at = $3
        WHERE id = $1 AND done_at IS NULL RETURNING attempts`,
      [id, error.slice(0, 1000), retryAt],
    );
    return rows[0]?.[0]?.attempts ?? 0;
  }
}
