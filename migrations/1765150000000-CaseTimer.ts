import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Durable case timers (issue 7): rows claimed with FOR UPDATE SKIP LOCKED by TimerWorker, so a
 * restart, a crash mid-run or several instances neither lose nor double one. One pending timer
 * per case and kind; the due index holds pending timers only.
 */
export class CaseTimer1765150000000 implements MigrationInterface {
  name = 'CaseTimer1765150000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE case_timer (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        kind text NOT NULL,
        complaint_id uuid NOT NULL,
        due_at timestamptz NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        retry_at timestamptz,
        last_error text,
        done_at timestamptz,
        outcome text,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT case_timer_pkey PRIMARY KEY (id),
        CONSTRAINT case_timer_kind_check CHECK (kind IN ('needs_info_expiry')),
        CONSTRAINT case_timer_outcome_check CHECK (outcome IN ('fired', 'cancelled', 'skipped', 'failed')),
        CONSTRAINT case_timer_done_check CHECK ((done_at IS NULL) = (outcome IS NULL)),
        CONSTRAINT case_timer_complaint_fk FOREIGN KEY (complaint_id) REFERENCES complaint (id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE UNIQUE INDEX case_timer_pending_uq ON case_timer (complaint_id, kind) WHERE done_at IS NULL`);
    await q.query(`CREATE INDEX case_timer_due_idx ON case_timer (due_at) WHERE done_at IS NULL`);
    // Cases already waiting for information get the timer they would have had.
    await q.query(`
      INSERT INTO case_timer (kind, complaint_id, due_at)
      SELECT 'needs_info_expiry', id, due_at FROM complaint WHERE state = 'needs_info' AND due_at IS NOT NULL`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE case_timer`);
  }
}
