import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Milestones per case for the admins' reports (issue 8 §5; PERFORMANCE.md "Reports"): each is set
 * once, in the transaction of the transition that reaches it (ComplaintsService, see
 * complaint-milestones.ts; intake sets channel and an intake duplicate's decision), so that times
 * and counts read one narrow table instead of scanning the audit trail. Existing cases are filled
 * from their audit events (MILESTONE_BACKFILL_SQL: the first event of each kind wins).
 *
 *   channel            how the case came in: form, api or mail (filed from the inbox)
 *   first_reviewed_at  the first transition taken by staff (a claim, usually), and by whom
 *   decided_at         the first decision: actioned, rejected, duplicate or not_processed
 *   decided_state      which of those it was; first_decided_by: the staff member who took it
 *   withdrawn_at       the complainant withdrew
 *   restored_at        first restored (counter-notice, end of a hold, or on appeal)
 *   appealed_at        first appeal filed
 *   appeal_outcome     the first appeal's outcome (the state it led to)
 *   appeal_reversed    that outcome differs from the decision appealed (appeal.appealed_state)
 */
const UUID_RE = `'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'`;
/** The staff account an audit actor_id names, if it still exists (the columns are foreign keys). */
const staffId = (text: string) =>
  `(SELECT u.id FROM staff_user u WHERE u.id = CASE WHEN ${text} ~ ${UUID_RE} THEN ${text}::uuid END)`;

export const MILESTONE_BACKFILL_SQL = `
  UPDATE complaint c
     SET channel = COALESCE(c.channel, m.channel),
         first_reviewed_at = COALESCE(c.first_reviewed_at, m.first_reviewed_at),
         first_reviewed_by = CASE WHEN c.first_reviewed_at IS NULL THEN ${staffId('m.first_reviewed_by_text')} ELSE c.first_reviewed_by END,
         first_decided_by = CASE WHEN c.decided_at IS NULL THEN ${staffId('m.first_decided_by_text')} ELSE c.first_decided_by END,
         decided_at = COALESCE(c.decided_at, m.decided_at),
         decided_state = COALESCE(c.decided_state, m.decided_state),
         withdrawn_at = COALESCE(c.withdrawn_at, m.withdrawn_at),
         restored_at = COALESCE(c.restored_at, m.restored_at),
         appealed_at = COALESCE(c.appealed_at, m.appealed_at),
         appeal_outcome = COALESCE(c.appeal_outcome, m.appeal_outcome)
    FROM (
      SELECT e.subject_id::uuid AS id,
             (array_agg(e.payload ->> 'channel' ORDER BY e.id) FILTER (WHERE e.action = 'complaint.received'))[1] AS channel,
             min(e.occurred_at) FILTER (WHERE e.action = 'complaint.transition' AND e.actor_type IN ('moderator', 'admin')) AS first_reviewed_at,
             (array_agg(e.actor_id ORDER BY e.id) FILTER (WHERE e.action = 'complaint.transition' AND e.actor_type IN ('moderator', 'admin')))[1] AS first_reviewed_by_text,
             min(e.occurred_at) FILTER (WHERE e.d IS NOT NULL) AS decided_at,
             (array_agg(CASE WHEN e.actor_type IN ('moderator', 'admin') THEN e.actor_id END ORDER BY e.id) FILTER (WHERE e.d IS NOT NULL))[1] AS first_decided_by_text,
             (array_agg(e.d ORDER BY e.id) FILTER (WHERE e.d IS NOT NULL))[1] AS decided_state,
             min(e.occurred_at) FILTER (WHERE e.payload ->> 'to' = 'withdrawn') AS withdrawn_at,
             min(e.occurred_at) FILTER (WHERE e.payload ->> 'to' = 'restored') AS restored_at,
             min(e.occurred_at) FILTER (WHERE e.payload ->> 'to' = 'appeal_review') AS appealed_at,
             (array_agg(e.payload ->> 'to' ORDER BY e.id) FILTER (WHERE e.payload ->> 'from' = 'appeal_review'))[1] AS appeal_outcome
        FROM (SELECT x.*,
                     CASE WHEN x.action = 'complaint.transition'
                               AND x.payload ->> 'to' IN ('actioned', 'rejected', 'duplicate', 'not_processed')
                          THEN x.payload ->> 'to'
                          WHEN x.action = 'complaint.received' AND x.payload ->> 'state' = 'duplicate' THEN 'duplicate' END AS d
                FROM audit_event x
               WHERE x.subject_type = 'complaint' AND x.action IN ('complaint.received', 'complaint.transition')
                 AND x.subject_id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$') e
       GROUP BY e.subject_id) m
   WHERE c.id = m.id;
  UPDATE complaint c SET appeal_reversed = (a.appealed_state <> c.appeal_outcome)
    FROM (SELECT DISTINCT ON (complaint_id) complaint_id, appealed_state FROM appeal ORDER BY complaint_id, filed_at, id) a
   WHERE a.complaint_id = c.id AND c.appeal_outcome IS NOT NULL AND c.appeal_reversed IS NULL;`;

export class ReportMilestones1766000000000 implements MigrationInterface {
  name = 'ReportMilestones1766000000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE complaint
        ADD COLUMN channel text,
        ADD COLUMN first_reviewed_at timestamptz,
        ADD COLUMN first_reviewed_by uuid,
        ADD COLUMN first_decided_by uuid,
        ADD COLUMN decided_at timestamptz,
        ADD COLUMN decided_state text,
        ADD COLUMN withdrawn_at timestamptz,
        ADD COLUMN restored_at timestamptz,
        ADD COLUMN appealed_at timestamptz,
        ADD COLUMN appeal_outcome text,
        ADD COLUMN appeal_reversed boolean,
        ADD CONSTRAINT complaint_first_reviewed_by_fk FOREIGN KEY (first_reviewed_by) REFERENCES staff_user(id) ON DELETE SET NULL,
        ADD CONSTRAINT complaint_first_decided_by_fk FOREIGN KEY (first_decided_by) REFERENCES staff_user(id) ON DELETE SET NULL,
        ADD CONSTRAINT complaint_channel_check CHECK (channel IN ('form', 'api', 'mail')),
        ADD CONSTRAINT complaint_decided_state_check
          CHECK (decided_state IN ('actioned', 'rejected', 'duplicate', 'not_processed')),
        ADD CONSTRAINT complaint_decided_check CHECK ((decided_at IS NULL) = (decided_state IS NULL)),
        ADD CONSTRAINT complaint_appeal_outcome_check CHECK (appeal_outcome IN ('actioned', 'rejected', 'restored'))`);
    await q.query(MILESTONE_BACKFILL_SQL);
    // Counts by basis, state and channel over a period as index-only scans; the times read the
    // milestones of the same index.
    await q.query(`DROP INDEX complaint_received_at_idx`);
    await q.query(`
      CREATE INDEX complaint_received_at_idx ON complaint (received_at)
        INCLUDE (legal_basis, state, channel, id)`);
    // Each report anchored on a milestone reads the cases whose milestone falls in the period.
    await q.query(`
      CREATE INDEX complaint_decided_at_idx ON complaint (decided_at)
        INCLUDE (decided_state, received_at, first_reviewed_at, first_decided_by, legal_basis) WHERE decided_at IS NOT NULL`);
    await q.query(
      `CREATE INDEX complaint_first_reviewed_at_idx ON complaint (first_reviewed_at) INCLUDE (received_at, first_reviewed_by, legal_basis) WHERE first_reviewed_at IS NOT NULL`,
    );
    await q.query(`
      CREATE INDEX complaint_restored_at_idx ON complaint (restored_at) INCLUDE (received_at, legal_basis)
        WHERE restored_at IS NOT NULL`);
    await q.query(`CREATE INDEX complaint_withdrawn_at_idx ON complaint (withdrawn_at) WHERE withdrawn_at IS NOT NULL`);
    await q.query(`
      CREATE INDEX complaint_appealed_at_idx ON complaint (appealed_at)
        INCLUDE (appeal_outcome, appeal_reversed) WHERE appealed_at IS NOT NULL`);
    // The audit log's filters by action and time (PERFORMANCE.md: every keyset page in 1–3 ms).
    await q.query(`CREATE INDEX audit_event_action_time_idx ON audit_event (action, occurred_at, id)`);
    await q.query(`CREATE INDEX counter_notice_created_idx ON counter_notice (created_at)`);
    await q.query(
      `CREATE INDEX litigation_proof_decided_idx ON litigation_proof (decided_at) WHERE decided_at IS NOT NULL`,
    );
    await q.query(`CREATE INDEX sla_breach_due_idx ON sla_breach (due_at)`);
    // Times to the receipt mail: the receipts queued in the period (in the intake statement, so
    // created_at is the case's received_at), joined to their cases in one hash join.
    await q.query(`
      CREATE INDEX mail_job_receipt_idx ON mail_job (created_at) INCLUDE (complaint_id, sent_at)
        WHERE template = 'complaint-receipt'`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX mail_job_receipt_idx`);
    await q.query(`DROP INDEX sla_breach_due_idx`);
    await q.query(`DROP INDEX litigation_proof_decided_idx`);
    await q.query(`DROP INDEX counter_notice_created_idx`);
    await q.query(`DROP INDEX audit_event_action_time_idx`);
    await q.query(`DROP INDEX complaint_received_at_idx`);
    await q.query(`CREATE INDEX complaint_received_at_idx ON complaint (received_at)`);
    await q.query(`
      ALTER TABLE complaint
        DROP COLUMN channel, DROP COLUMN first_reviewed_at, DROP COLUMN first_reviewed_by, DROP COLUMN first_decided_by, DROP COLUMN decided_at, DROP COLUMN decided_state,
        DROP COLUMN withdrawn_at, DROP COLUMN restored_at, DROP COLUMN appealed_at, DROP COLUMN appeal_outcome,
        DROP COLUMN appeal_reversed`);
  }
}
