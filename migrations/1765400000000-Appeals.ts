import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Appeals (DSA Art. 20) and the windows after a decision (issue 7): the appeal table, appeal
 * files among evidence files, and for cases decided or withdrawn before this release the
 * appeal_window_end timer they would have had (APPEAL_MONTHS' default of six calendar months,
 * to the end of that day in Beijing; a withdrawn case WITHDRAWN_CLOSE_DAYS' default of 14 days),
 * counted from their last change.
 */
export class Appeals1765400000000 implements MigrationInterface {
  name = 'Appeals1765400000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE appeal (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        complaint_id uuid NOT NULL,
        party text NOT NULL,
        owner_email text,
        body text NOT NULL,
        file_ids uuid[] NOT NULL DEFAULT '{}',
        appealed_state text NOT NULL,
        appealed_decided_by uuid,
        appealed_escalated_by uuid,
        appealed_reason text,
        filed_at timestamptz NOT NULL DEFAULT now(),
        decided_by uuid,
        decided_at timestamptz,
        outcome text,
        reasons text,
        CONSTRAINT appeal_pkey PRIMARY KEY (id),
        CONSTRAINT appeal_party_check CHECK (party IN ('complainant', 'content_owner')),
        CONSTRAINT appeal_outcome_check CHECK (outcome IN ('actioned', 'rejected', 'restored')),
        CONSTRAINT appeal_decided_check CHECK ((decided_at IS NULL) = (outcome IS NULL)),
        CONSTRAINT appeal_complaint_fk FOREIGN KEY (complaint_id) REFERENCES complaint (id) ON DELETE CASCADE,
        CONSTRAINT appeal_appealed_decided_by_fk FOREIGN KEY (appealed_decided_by) REFERENCES staff_user (id) ON DELETE SET NULL,
        CONSTRAINT appeal_appealed_escalated_by_fk FOREIGN KEY (appealed_escalated_by) REFERENCES staff_user (id) ON DELETE SET NULL,
        CONSTRAINT appeal_decided_by_fk FOREIGN KEY (decided_by) REFERENCES staff_user (id) ON DELETE SET NULL
      )`);
    // One open appeal per case; one appeal per party (each owner their own) and case.
    await q.query(`CREATE UNIQUE INDEX appeal_open_uq ON appeal (complaint_id) WHERE decided_at IS NULL`);
    await q.query(`CREATE UNIQUE INDEX appeal_party_uq ON appeal (complaint_id, party, coalesce(owner_email, ''))`);
    await q.query(`ALTER TABLE evidence_file DROP CONSTRAINT evidence_file_purpose_check`);
    await q.query(`ALTER TABLE evidence_file ADD CONSTRAINT evidence_file_purpose_check
      CHECK (purpose IN ('evidence', 'authorisation', 'response', 'counter_notice', 'litigation', 'appeal'))`);
    await q.query(`
      INSERT INTO case_timer (kind, complaint_id, due_at)
      SELECT 'appeal_window_end', c.id,
             CASE WHEN c.state = 'withdrawn' THEN c.updated_at + interval '14 days'
                  ELSE (date_trunc('day', (c.updated_at AT TIME ZONE 'Asia/Shanghai') + interval '6 months')
                        + interval '1 day' - interval '1 millisecond') AT TIME ZONE 'Asia/Shanghai' END
        FROM complaint c
       WHERE c.state IN ('actioned', 'rejected', 'restored', 'withdrawn')
         AND NOT EXISTS (SELECT 1 FROM case_timer t
                          WHERE t.complaint_id = c.id AND t.kind = 'appeal_window_end' AND t.done_at IS NULL)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM case_timer WHERE kind = 'appeal_window_end'`);
    await q.query(`DELETE FROM evidence_file WHERE purpose = 'appeal'`);
    await q.query(`ALTER TABLE evidence_file DROP CONSTRAINT evidence_file_purpose_check`);
    await q.query(`ALTER TABLE evidence_file ADD CONSTRAINT evidence_file_purpose_check
      CHECK (purpose IN ('evidence', 'authorisation', 'response', 'counter_notice', 'litigation'))`);
    await q.query(`DROP TABLE appeal`);
  }
}
