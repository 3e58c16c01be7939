import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The admins' reports and searches at 1,000,000 complaints and 10,000,000 audit events (issue 8,
 * Performance; figures and plans in test/bench/README.md "Period reports"):
 *
 * - complaint (received_at) INCLUDE (id) WHERE legal_basis = 'us-dmca': the receipt-mail times
 *   find the period's us-dmca cases (US calendar) without joining every case of the year.
 * - audit_event (occurred_at, id): the audit log filtered by a date range (1.9–2.8 s a page for a
 *   day a year back: the id walk passed half the trail).
 * - complaint (upper(reference) text_pattern_ops): the case search by reference or its beginning
 *   (ReportsRepository compares upper(reference) LIKE upper(prefix)), 0.5–1.2 s without.
 * - complaint trigram index on the complainant's name and email: the case search by part of either,
 *   over every case (complaint_search_idx covers open cases only), 1.6–2.1 s without.
 */
export class ReportScale1766600000000 implements MigrationInterface {
  name = 'ReportScale1766600000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX complaint_us_received_idx ON complaint (received_at) INCLUDE (id) WHERE legal_basis = 'us-dmca'`,
    );
    await q.query(`CREATE INDEX audit_event_time_idx ON audit_event (occurred_at, id)`);
    await q.query(`CREATE INDEX complaint_reference_prefix_idx ON complaint (upper(reference) text_pattern_ops)`);
    await q.query(
      `CREATE INDEX complaint_party_search_idx ON complaint
         USING gin ((complainant ->> 'name') gin_trgm_ops, complainant_email gin_trgm_ops)`,
    );
    // Statistics for the expression index (upper(reference)): without them the
    // planner guesses 0.5% of the cases match a reference and walks every case by received_at.
    await q.query(`ANALYZE complaint`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX complaint_party_search_idx`);
    await q.query(`DROP INDEX complaint_reference_prefix_idx`);
    await q.query(`DROP INDEX audit_event_time_idx`);
    await q.query(`DROP INDEX complaint_us_received_idx`);
  }
}
