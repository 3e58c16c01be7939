import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Audit trail verification runs (AuditVerifier): one row per run, started by an admin (staff id)
 * or by the schedule. A scheduled run claims its period through the unique schedule_key (the UTC
 * start of the period), so several instances verify and mail once per day.
 */
export class IntegrityRuns1765930000000 implements MigrationInterface {
  name = 'IntegrityRuns1765930000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE integrity_run (
        id bigserial PRIMARY KEY,
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        ok boolean,
        events_checked bigint NOT NULL DEFAULT 0,
        seals_checked bigint NOT NULL DEFAULT 0,
        unsealed bigint NOT NULL DEFAULT 0,
        last_event_id bigint,
        last_seal_id bigint,
        last_hash text,
        bad_event_id bigint,
        bad_seal_id bigint,
        problem text,
        triggered_by text NOT NULL,
        schedule_key text,
        CONSTRAINT integrity_run_schedule_key_uq UNIQUE (schedule_key),
        CONSTRAINT integrity_run_result_ck CHECK (finished_at IS NULL OR ok IS NOT NULL)
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE integrity_run`);
  }
}
