import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The admins' reports and searches at 1,000,000 complaints and 10,000,000 audit events (issue 8,
 * Performance; figures and plans in test/bench/README.md "Period reports"):
 *
 * - complaint_item_kind: per case and item kind, how many items of that kind it names, with the
 *   case's received_at, so "by item kind" for a year is one index-only range scan instead of a join
 *   of the year's cases with every item (1.3–2.5 s at 1M). Kept by a trigger on complaint_item
 *   (items are only ever inserted, at intake; the trigger also follows an update of kind or case
 *   and a delete, so the counts stay exact whatever writes them) and backfilled here.
 * - complaint (received_at) WHERE legal_basis = 'us-dmca': the receipt times of the period's cases
 *   need only those on the US calendar picked out (a tenth of the year's cases, not all of them).
 * - audit_event (occurred_at, id): the audit log filtered by a date range (1.9–2.8 s a page for a
 *   day a year back: the id walk passed half the trail).
 * - complaint (upper(reference) text_pattern_ops): the case search by reference or its beginning
 *   (ReportsRepository compares upper(reference) LIKE upper(prefix)), 0.5–1.2 s without.
 * - complaint trigram index on the complainant's name and email: the case search by part of either,
 *   over every case (complaint_search_idx covers open cases only), 1.6–2.1 s without.
 */
export const ITEM_KIND_BACKFILL_SQL = `
  INSERT INTO complaint_item_kind (complaint_id, kind, received_at, items)
  SELECT i.complaint_id, i.kind, c.received_at, count(*)
    FROM complaint_item i JOIN complaint c ON c.id = i.complaint_id
   GROUP BY 1, 2, 3
  ON CONFLICT (complaint_id, kind) DO NOTHING`;

export class ReportScale1766600000000 implements MigrationInterface {
  name = 'ReportScale1766600000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE complaint_item_kind (
        complaint_id uuid NOT NULL,
        kind text NOT NULL,
        received_at timestamptz NOT NULL,
        items integer NOT NULL,
        CONSTRAINT complaint_item_kind_pkey PRIMARY KEY (complaint_id, kind),
        CONSTRAINT complaint_item_kind_complaint_fk FOREIGN KEY (complaint_id) REFERENCES complaint(id) ON DELETE CASCADE
      )`);
    await q.query(`
      CREATE FUNCTION complaint_item_kind_count() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
          UPDATE complaint_item_kind SET items = items - 1 WHERE complaint_id = OLD.complaint_id AND kind = OLD.kind;
          DELETE FROM complaint_item_kind WHERE complaint_id = OLD.complaint_id AND kind = OLD.kind AND items <= 0;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
          INSERT INTO complaint_item_kind (complaint_id, kind, received_at, items)
          SELECT NEW.complaint_id, NEW.kind, c.received_at, 1 FROM complaint c WHERE c.id = NEW.complaint_id
          ON CONFLICT (complaint_id, kind) DO UPDATE SET items = complaint_item_kind.items + 1;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER complaint_item_kind_count AFTER INSERT OR DELETE OR UPDATE OF complaint_id, kind ON complaint_item
        FOR EACH ROW EXECUTE FUNCTION complaint_item_kind_count()`);
    await q.query(ITEM_KIND_BACKFILL_SQL);
    await q.query(
      `CREATE INDEX complaint_item_kind_received_idx ON complaint_item_kind (received_at) INCLUDE (kind, items)`,
    );
    await q.query(
      `CREATE INDEX complaint_us_received_idx ON complaint (received_at) INCLUDE (id) WHERE legal_basis = 'us-dmca'`,
    );
    await q.query(`CREATE INDEX audit_event_time_idx ON audit_event (occurred_at, id)`);
    await q.query(`CREATE INDEX complaint_reference_prefix_idx ON complaint (upper(reference) text_pattern_ops)`);
    await q.query(
      `CREATE INDEX complaint_party_search_idx ON complaint
         USING gin ((complainant ->> 'name') gin_trgm_ops, complainant_email gin_trgm_ops)`,
    );
    // Statistics for the new table and the expression index (upper(reference)): without them the
    // planner guesses 0.5% of the cases match a reference and walks every case by received_at.
    await q.query(`ANALYZE complaint_item_kind`);
    await q.query(`ANALYZE complaint`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX complaint_party_search_idx`);
    await q.query(`DROP INDEX complaint_reference_prefix_idx`);
    await q.query(`DROP INDEX audit_event_time_idx`);
    await q.query(`DROP INDEX complaint_us_received_idx`);
    await q.query(`DROP TRIGGER complaint_item_kind_count ON complaint_item`);
    await q.query(`DROP FUNCTION complaint_item_kind_count()`);
    await q.query(`DROP TABLE complaint_item_kind`);
  }
}
