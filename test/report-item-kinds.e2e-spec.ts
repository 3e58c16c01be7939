import { DataSource } from 'typeorm';
import { ITEM_COUNT_BACKFILL_SQL } from '../migrations/1766810000000-ComplaintItemCounts';
import { dataSourceOptions } from '../src/database/data-source';
import { FiguresRepository } from '../src/reports/figures.repository';
import { testDatabaseUrl } from './helpers/database';

/**
 * The items counted by kind on the case (article_items, image_items, passage_items; migration
 * ComplaintItemCounts), which the "by item kind" report reads instead of joining every item: the
 * same figures as that join, including several items of one kind on a case (items 3, complaints 1)
 * and the period's bounds. The counts are written by the intake statement (test/intake-storage-
 * migrations.e2e-spec.ts); items inserted here in SQL get them from the migration's backfill.
 */
describe('reports: item kinds per case (counts on the complaint)', () => {
  let db: DataSource;
  let article: string;
  const span = { from: new Date('2019-05-01T00:00:00Z'), to: new Date('2019-06-01T00:00:00Z') };
  const kinds = () =>
    new FiguresRepository(db).byItemKind(span).then((r) => r.sort((a, b) => a.key.localeCompare(b.key)));

  beforeAll(async () => {
    db = new DataSource(dataSourceOptions(testDatabaseUrl()));
    await db.initialize();
    [{ id: article }] = await db.query<Array<{ id: string }>>(
      `INSERT INTO article (slug, url, title, body, owner_name, owner_email, published_at)
       VALUES ('kinds', 'https://news.example/kinds', 'Kinds', 'Body', 'Owner', 'owner@news.example', now()) RETURNING id`,
    );
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('counts items and cases per kind, as the join of the period’s cases and their items does', async () => {
    const complaint = async (ref: string, at: string) =>
      (
        await db.query<Array<{ id: string }>>(
          `INSERT INTO complaint (reference, state, legal_basis, locale, complainant, complainant_email, explanation, declarations,
                                  tracking_token_hash, article_title, received_at)
           VALUES ($1, 'received', 'accuracy', 'en', '{"name":"Kinds"}', 'kinds@example.test', 'kinds spec', '{}', $1, 'Kinds', $2)
           RETURNING id`,
          [ref, at],
        )
      )[0].id;
    const item = (id: string, position: number, kind: string) =>
      db.query(
        `INSERT INTO complaint_item (complaint_id, position, kind, article_id, article_url)
         VALUES ($1, $2, $3, $4, 'https://news.example/kinds')`,
        [id, position, kind, article],
      );
    const a = await complaint('KIND-A', '2019-05-03T10:00:00Z');
    const b = await complaint('KIND-B', '2019-05-31T23:59:59Z');
    const outside = await complaint('KIND-C', '2019-06-01T00:00:00Z');
    // One statement with several rows (as intake writes them), then single rows.
    await db.query(
      `INSERT INTO complaint_item (complaint_id, position, kind, article_id, article_url)
       SELECT $1, g, CASE WHEN g <= 3 THEN 'image' ELSE 'article' END, $2, 'https://news.example/kinds' FROM generate_series(1, 4) g`,
      [a, article],
    );
    await item(b, 1, 'image');
    await item(b, 2, 'passage');
    await item(outside, 1, 'article');
    await db.query(ITEM_COUNT_BACKFILL_SQL);
    expect(await kinds()).toEqual([
      { key: 'article', items: 1, complaints: 1 },
      { key: 'image', items: 4, complaints: 2 },
      { key: 'passage', items: 1, complaints: 1 },
    ]);
    // The same figures as the join the report used to run.
    const joined = await db.query<Array<{ key: string; items: number; complaints: number }>>(
      `SELECT i.kind AS key, count(*)::int AS items, count(DISTINCT c.id)::int AS complaints
         FROM complaint c JOIN complaint_item i ON i.complaint_id = c.id
        WHERE c.received_at >= $1 AND c.received_at < $2 GROUP BY 1 ORDER BY 1`,
      [span.from, span.to],
    );
    expect(await kinds()).toEqual(joined);
    await db.query(`DELETE FROM complaint WHERE id = ANY($1::uuid[])`, [[a, b, outside]]);
    expect(await kinds()).toEqual([]);
  });
});
