import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The misuse procedure (DSA Art. 23): a warning recorded against a complainant's address, with
 * its reasons and the case that prompted it, before any later notice of theirs may be marked
 * `not_processed`. Each warning also has its audit event (complainant.warned).
 */
export class MisuseWarnings1765260000000 implements MigrationInterface {
  name = 'MisuseWarnings1765260000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE complainant_warning (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        email text NOT NULL,
        complaint_id uuid NOT NULL,
        reason text NOT NULL,
        warned_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT complainant_warning_pkey PRIMARY KEY (id),
        CONSTRAINT complainant_warning_reason_check CHECK (length(btrim(reason)) > 0),
        CONSTRAINT complainant_warning_complaint_fk FOREIGN KEY (complaint_id) REFERENCES complaint (id) ON DELETE RESTRICT,
        CONSTRAINT complainant_warning_staff_fk FOREIGN KEY (warned_by) REFERENCES staff_user (id) ON DELETE RESTRICT
      )`);
    await q.query(`CREATE INDEX complainant_warning_email_idx ON complainant_warning (email, created_at)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE complainant_warning`);
  }
}
