import { DataSource } from 'typeorm';
import { ArticleVersions1766800000000 } from '../migrations/1766800000000-ArticleVersions';
import { ComplaintItemCounts1766810000000 } from '../migrations/1766810000000-ComplaintItemCounts';
import { startTestApp, TestApp } from './helpers/app';
import { fileComplaint } from './helpers/filing';

/**
 * Snapshots stored once per complaint (article_snapshot) become versions stored once per distinct
 * content (article_version), each complaint item naming the one it was filed against; down() gives
 * the per-complaint rows back.
 */
describe('article versions and item counts (migrations 1766800000000, 1766810000000; real PostgreSQL)', () => {
  let t: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp({ MAIL_WORKER: 'false' });
    db = t.app.get(DataSource);
  });

  afterAll(async () => {
    await t?.close();
  });

  const file = async (articleUrls: string[]): Promise<string> => {
    const { reference } = await fileComplaint(t.baseUrl, {
      items: articleUrls.map((articleUrl) => ({ articleUrl, kind: 'article' })),
    });
    const [{ id }] = await db.query<Array<{ id: string }>>(`SELECT id FROM complaint WHERE reference = $1`, [
      reference,
    ]);
    return id;
  };

  it('folds per-complaint snapshots into one version per content and links each item to its own', async () => {
    const list = (await (await fetch(`${t.baseUrl}/api/v1/articles?limit=2`)).json()) as {
      items: Array<{ url: string; slug: string }>;
    };
    const [a, b] = await Promise.all(
      list.items.map(async (x) => {
        const [{ id }] = await db.query<Array<{ id: string }>>(`SELECT id FROM article WHERE slug = $1`, [x.slug]);
        return { url: x.url, id };
      }),
    );
    const c1 = await file([a.url]);
    const c2 = await file([a.url]);
    const c3 = await file([a.url, b.url]);
    const migration = new ArticleVersions1766800000000();
    const q = db.createQueryRunner();
    await q.connect();
    try {
      await migration.down(q);
      const legacy = (await q.query(
        `SELECT complaint_id, article_id FROM article_snapshot WHERE complaint_id = ANY($1) ORDER BY complaint_id, article_id`,
        [[c1, c2, c3]],
      )) as unknown[];
      expect(legacy).toHaveLength(4);
      // The article read differently when the first complaint was filed.
      await q.query(
        `UPDATE article_snapshot SET body = 'the body as it was', sha256 = 'older' WHERE complaint_id = $1`,
        [c1],
      );
      await migration.up(q);
    } finally {
      await q.release();
    }

    const items = await db.query<Array<{ complaint_id: string; article_id: string; snapshot_sha256: string }>>(
      `SELECT complaint_id, article_id, snapshot_sha256 FROM complaint_item WHERE complaint_id = ANY($1)`,
      [[c1, c2, c3]],
    );
    const sha = (c: string, art: string) =>
      items.find((i) => i.complaint_id === c && i.article_id === art)?.snapshot_sha256;
    expect(sha(c1, a.id)).toBe('older');
    expect(sha(c2, a.id)).toMatch(/^[0-9a-f]{64}$/);
    expect(sha(c3, a.id)).toBe(sha(c2, a.id));
    expect(sha(c3, b.id)).toMatch(/^[0-9a-f]{64}$/);
    const versions = await db.query<Array<{ article_id: string; sha256: string; body: string }>>(
      `SELECT article_id, sha256, body FROM article_version WHERE article_id = ANY($1)`,
      [[a.id, b.id]],
    );
    expect(
      versions
        .filter((v) => v.article_id === a.id)
        .map((v) => v.sha256)
        .sort(),
    ).toEqual([sha(c2, a.id), 'older'].sort());
    expect(versions.find((v) => v.sha256 === 'older')?.body).toBe('the body as it was');
    expect(versions.filter((v) => v.article_id === b.id)).toHaveLength(1);
    expect(
      (await db.query<Array<{ t: string | null }>>(`SELECT to_regclass('article_snapshot')::text AS t`))[0].t,
    ).toBeNull();
    // An item cannot name a version that does not exist.
    await expect(
      db.query(`UPDATE complaint_item SET snapshot_sha256 = 'missing' WHERE complaint_id = $1`, [c2]),
    ).rejects.toThrow(/complaint_item_snapshot_fk/);
  });

  it('counts each complaint’s items by kind at intake, and the migration backfills the counts', async () => {
    const list = (await (await fetch(`${t.baseUrl}/api/v1/articles?limit=20`)).json()) as {
      items: Array<{ url: string; images: Array<{ id: string }> }>;
    };
    const article = list.items.find((a) => a.images.length > 0)!;
    const { reference } = await fileComplaint(t.baseUrl, {
      items: [
        { articleUrl: article.url, kind: 'article' },
        { articleUrl: article.url, kind: 'image', detail: article.images[0].id },
        { articleUrl: article.url, kind: 'passage', detail: 'One passage.' },
        { articleUrl: article.url, kind: 'passage', detail: 'Another passage.' },
      ],
    });
    const counts = async () =>
      (
        await db.query<Array<{ article_items: number; image_items: number; passage_items: number }>>(
          `SELECT article_items, image_items, passage_items FROM complaint WHERE reference = $1`,
          [reference],
        )
      )[0];
    expect(await counts()).toEqual({ article_items: 1, image_items: 1, passage_items: 2 });

    const migration = new ComplaintItemCounts1766810000000();
    const q = db.createQueryRunner();
    await q.connect();
    try {
      await migration.down(q);
      await migration.up(q);
    } finally {
      await q.release();
    }
    expect(await counts()).toEqual({ article_items: 1, image_items: 1, passage_items: 2 });
    await expect(db.query(`UPDATE complaint SET image_items = -1 WHERE reference = $1`, [reference])).rejects.toThrow(
      /complaint_item_counts_check/,
    );
  });
});
