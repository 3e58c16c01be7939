import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Counter-notices and restoration (issue 7): the content owner's counter-notice (不侵权声明,
 * 512(g)(3)) with the fields its basis requires and the staff decision on it; the complainant's
 * proof of a suit or a complaint to an authority; the restoration date stored on the case.
 * Files of both are evidence_file rows of their own purposes.
 */
export class CounterNotices1765300000000 implements MigrationInterface {
  name = 'CounterNotices1765300000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE counter_notice (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        complaint_id uuid NOT NULL,
        owner_email text NOT NULL,
        legal_basis text NOT NULL,
        fields jsonb NOT NULL,
        file_ids uuid[] NOT NULL DEFAULT '{}',
        status text NOT NULL DEFAULT 'pending',
        decided_by uuid,
        decided_at timestamptz,
        reason text,
        restore_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT counter_notice_pkey PRIMARY KEY (id),
        CONSTRAINT counter_notice_complaint_fk FOREIGN KEY (complaint_id) REFERENCES complaint(id) ON DELETE CASCADE,
        CONSTRAINT counter_notice_decided_by_fk FOREIGN KEY (decided_by) REFERENCES staff_user(id) ON DELETE SET NULL,
        CONSTRAINT counter_notice_status_check CHECK (status IN ('pending', 'incomplete', 'invalid', 'valid')),
        CONSTRAINT counter_notice_decided_check CHECK ((status = 'pending') = (decided_at IS NULL))
      )`);
    await q.query(
      `CREATE UNIQUE INDEX counter_notice_one_pending_idx ON counter_notice (complaint_id) WHERE status = 'pending'`,
    );
    await q.query(`CREATE INDEX counter_notice_complaint_idx ON counter_notice (complaint_id, created_at)`);
    await q.query(`
      CREATE TABLE litigation_proof (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        complaint_id uuid NOT NULL,
        body text NOT NULL,
        file_ids uuid[] NOT NULL DEFAULT '{}',
        status text NOT NULL DEFAULT 'pending',
        decided_by uuid,
        decided_at timestamptz,
        reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT litigation_proof_pkey PRIMARY KEY (id),
        CONSTRAINT litigation_proof_complaint_fk FOREIGN KEY (complaint_id) REFERENCES complaint(id) ON DELETE CASCADE,
        CONSTRAINT litigation_proof_decided_by_fk FOREIGN KEY (decided_by) REFERENCES staff_user(id) ON DELETE SET NULL,
        CONSTRAINT litigation_proof_status_check CHECK (status IN ('pending', 'accepted', 'refused')),
        CONSTRAINT litigation_proof_decided_check CHECK ((status = 'pending') = (decided_at IS NULL))
      )`);
    await q.query(
      `CREATE UNIQUE INDEX litigation_proof_one_pending_idx ON litigation_proof (complaint_id) WHERE status = 'pending'`,
    );
    await q.query(`ALTER TABLE complaint ADD COLUMN restoration_due_at timestamptz`);
    await q.query(`ALTER TABLE evidence_file DROP CONSTRAINT evidence_file_purpose_check`);
    await q.query(
      `ALTER TABLE evidence_file ADD CONSTRAINT evidence_file_purpose_check
         CHECK (purpose IN ('evidence', 'authorisation', 'response', 'counter_notice', 'litigation'))`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM evidence_file WHERE purpose IN ('counter_notice', 'litigation')`);
    await q.query(`ALTER TABLE evidence_file DROP CONSTRAINT evidence_file_purpose_check`);
    await q.query(
      `ALTER TABLE evidence_file ADD CONSTRAINT evidence_file_purpose_check CHECK (purpose IN ('evidence', 'authorisation', 'response'))`,
    );
    await q.query(`ALTER TABLE complaint DROP COLUMN restoration_due_at`);
    await q.query(`DROP TABLE litigation_proof`);
    await q.query(`DROP TABLE counter_notice`);
  }
}
