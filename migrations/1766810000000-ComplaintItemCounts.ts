import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How many items of each kind a complaint names (article, image, passage), on the complaint row,
 * set by the intake statement from the items it inserts (items are only ever written there). The
 * period report "by kind of item" then reads the year's cases from complaint_received_at_idx alone
 * (index-only) instead of joining them with every item, without a second row or a trigger per
 * filing on the intake path.
 */
export const ITEM_COUNT_BACKFILL_SQL = `
  UPDATE complaint c
     SET article_items = k.article, image_items = k.image, passage_items = k.passage
    FROM (SELECT complaint_id,
                 count(*) FILTER (WHERE kind = 'article') AS article,
                 count(*) FILTER (WHERE kind = 'image') AS image,
                 count(*) FILTER (WHERE kind = 'passage') AS passage
            FROM complaint_item GROUP BY complaint_id) k
   WHERE k.complaint_id = c.id`;

export class ComplaintItemCounts1766810000000 implements MigrationInterface {
  name = 'ComplaintItemCounts1766810000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE complaint
        ADD COLUMN article_items smallint NOT NULL DEFAULT 0,
        ADD COLUMN image_items smallint NOT NULL DEFAULT 0,
        ADD COLUMN passage_items smallint NOT NULL DEFAULT 0,
        ADD CONSTRAINT complaint_item_counts_check CHECK (article_items >= 0 AND image_items >= 0 AND passage_items >= 0)`);
    await q.query(ITEM_COUNT_BACKFILL_SQL);
    await q.query(`DROP INDEX complaint_received_at_idx`);
    await q.query(`
      CREATE INDEX complaint_received_at_idx ON complaint (received_at)
        INCLUDE (legal_basis, state, channel, id, article_items, image_items, passage_items)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX complaint_received_at_idx`);
    await q.query(
      `CREATE INDEX complaint_received_at_idx ON complaint (received_at) INCLUDE (legal_basis, state, channel, id)`,
    );
    await q.query(`
      ALTER TABLE complaint DROP CONSTRAINT complaint_item_counts_check,
        DROP COLUMN article_items, DROP COLUMN image_items, DROP COLUMN passage_items`);
  }
}
