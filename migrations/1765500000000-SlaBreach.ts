import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Missed due times (issue 7, "a digest of overdue cases mailed to admins once per case per
 * breach"). One row per case and due time: the digest job records breaches with INSERT … ON
 * CONFLICT DO NOTHING and claims the unreported ones FOR UPDATE SKIP LOCKED, so two instances
 * report each breach once; a new due time of the same case is a new breach.
 */
export class SlaBreach1765500000000 implements MigrationInterface {
  name = 'SlaBreach1765500000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sla_breach (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        complaint_id uuid NOT NULL,
        due_at timestamptz NOT NULL,
        state text NOT NULL,
        detected_at timestamptz NOT NULL DEFAULT now(),
        notified_at timestamptz,
        recipients integer,
        CONSTRAINT sla_breach_pkey PRIMARY KEY (id),
        CONSTRAINT sla_breach_complaint_due_uq UNIQUE (complaint_id, due_at),
        CONSTRAINT sla_breach_notified_check CHECK ((notified_at IS NULL) = (recipients IS NULL)),
        CONSTRAINT sla_breach_complaint_fk FOREIGN KEY (complaint_id) REFERENCES complaint (id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX sla_breach_pending_idx ON sla_breach (due_at) WHERE notified_at IS NULL`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE sla_breach`);
  }
}
