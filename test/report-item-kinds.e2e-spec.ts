import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source';
import { FiguresRepository } from '../src/reports/figures.repository';
import { testDatabaseUrl } from './helpers/database';

/**
 * complaint_item_kind (migration ReportScale), which the "by item kind" report reads instead of
 * joining every item: kept exact by its trigger whatever writes complaint_item, including several
 * items of one kind on a case (items 3, complaints 1), a changed kind and a deleted item.
 */
describe('reports: item kinds per case (complaint_item_kind)', () => {
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

  it('counts items and cases per kind, kept by the trigger through insert, update and delete', async () => {
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
    expect(await kinds()).toEqual([
      { key: 'article', items: 1, complaints: 1 },
      { key: 'image', items: 4, complaints: 2 },
      { key: 'passage', items: 1, complaints: 1 },
    ]);
    // The same figures as the join the report used to run.
    const [joined] = await db.query<Array<{ n: string }>>(
      `SELECT count(*)::text AS n FROM (
         SELECT i.kind, count(*), count(DISTINCT c.id) FROM complaint c JOIN complaint_item i ON i.complaint_id = c.id
          WHERE c.received_at >= $1 AND c.received_at < $2 GROUP BY 1
         EXCEPT SELECT kind, sum(items), count(*) FROM complaint_item_kind WHERE received_at >= $1 AND received_at < $2 GROUP BY 1) d`,
      [span.from, span.to],
    );
    expect(joined.n).toBe('0');

    await db.query(`UPDATE complaint_item SET kind = 'passage' WHERE complaint_id = $1 AND position = 4`, [a]);
    await db.query(`DELETE FROM complaint_item WHERE complaint_id = $1 AND kind = 'image'`, [b]);
    expect(await kinds()).toEqual([
      { key: 'image', items: 3, complaints: 1 },
      { key: 'passage', items: 2, complaints: 2 },
    ]);
    await db.query(`DELETE FROM complaint WHERE id = ANY($1::uuid[])`, [[a, b, outside]]);
    expect(await kinds()).toEqual([]);
  });
});
