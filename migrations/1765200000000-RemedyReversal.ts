import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reversing a case's remedies exactly (issue 7: restoration, appeals, withdrawal): each item
 * records when its remedy was reversed, so a remedy stands while applied and not reversed, and
 * a public change is undone only when no other standing case holds the same remedy. The timer
 * kinds of the legal process after the decision join case_timer's CHECK.
 */
export class RemedyReversal1765200000000 implements MigrationInterface {
  name = 'RemedyReversal1765200000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE complaint_item ADD COLUMN remedy_reversed_at timestamptz`);
    await q.query(
      `CREATE INDEX complaint_item_standing_idx ON complaint_item (article_id, remedy)
        WHERE remedy_applied_at IS NOT NULL AND remedy_reversed_at IS NULL`,
    );
    await q.query(`ALTER TABLE case_timer DROP CONSTRAINT case_timer_kind_check`);
    await q.query(
      `ALTER TABLE case_timer ADD CONSTRAINT case_timer_kind_check
         CHECK (kind IN ('needs_info_expiry', 'restoration_due', 'appeal_window_end'))`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM case_timer WHERE kind <> 'needs_info_expiry'`);
    await q.query(`ALTER TABLE case_timer DROP CONSTRAINT case_timer_kind_check`);
    await q.query(`ALTER TABLE case_timer ADD CONSTRAINT case_timer_kind_check CHECK (kind IN ('needs_info_expiry'))`);
    await q.query(`DROP INDEX complaint_item_standing_idx`);
    await q.query(`ALTER TABLE complaint_item DROP COLUMN remedy_reversed_at`);
  }
}
