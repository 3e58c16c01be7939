import { DataSource } from 'typeorm';
import { RemediesService } from '../src/articles/remedies.service';
import type { RemedyAction } from '../src/articles/remedies.service';
import { startTestApp, TestApp } from './helpers/app';

interface CatalogueItem {
  id: string;
  slug: string;
  url: string;
  status: string;
  images: Array<{ id: string; status: string }>;
}

/**
 * RemediesService.reverse on real PostgreSQL: a case's remedies are undone exactly, only where
 * no other standing case holds the same remedy, with a signed `*.restored` webhook queued per
 * visible change. The edges that reverse (restoration, appeals, withdrawal) are tested with
 * their own flows; this spec pins the reversal itself, including two cases on one article.
 */
describe('reversing a case’s remedies (real PostgreSQL)', () => {
  let t: TestApp;
  let db: DataSource;
  let remedies: RemediesService;
  let article: CatalogueItem;

  const catalogue = async () =>
    (
      (await (
        await fetch(`${t.baseUrl}/api/v1/articles?limit=200`, { headers: { accept: 'application/json' } })
      ).json()) as { items: CatalogueItem[] }
    ).items;

  async function file(): Promise<{ id: string; reference: string }> {
    const res = await fetch(`${t.baseUrl}/api/v1/complaints`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        legalBasis: 'eu-dsa',
        locale: 'en',
        complainant: { name: 'Pat Doe', email: `rev-${Date.now()}-${Math.random()}@example.test` },
        items: [
          { articleUrl: article.url, kind: 'article' },
          { articleUrl: article.url, kind: 'image', detail: article.images[0].id },
        ],
        explanation: 'This article is unlawful.',
        declarations: { truthful: true, goodFaith: true },
      }),
    });
    expect(res.status).toBe(201);
    const { reference } = (await res.json()) as { reference: string };
    const [row] = await db.query<Array<{ id: string }>>(`SELECT id FROM complaint WHERE reference = $1`, [reference]);
    return { id: row.id, reference };
  }

  /** What the uphold edge does: apply, then record the remedy per item. */
  async function uphold(c: { id: string; reference: string }, actions: Array<RemedyAction & { item: number }>) {
    await db.transaction(async (tx) => {
      await remedies.apply(tx, c.id, c.reference, actions);
      for (const a of actions)
        await tx.query(
          `UPDATE complaint_item SET remedy = $3, remedy_applied_at = now(), remedy_reversed_at = NULL
            WHERE complaint_id = $1 AND position = $2`,
          [c.id, a.item, a.remedy],
        );
    });
  }

  const state = async () => {
    const [a] = await db.query<Array<{ status: string; removed_by: string | null }>>(
      `SELECT status, removed_by FROM article WHERE id = $1`,
      [article.id],
    );
    const [i] = await db.query<Array<{ status: string; removed_by: string | null }>>(
      `SELECT status, removed_by FROM article_image WHERE id = $1`,
      [article.images[0].id],
    );
    return { article: a, image: i };
  };
  const webhooks = (reference: string) =>
    db
      .query<Array<{ event: string }>>(
        `SELECT event FROM webhook_job WHERE payload->>'complaint' = $1 ORDER BY created_at, event`,
        [reference],
      )
      .then((rows) => rows.map((r) => r.event));

  beforeAll(async () => {
    t = await startTestApp({ CMS_WEBHOOK_URL: 'http://127.0.0.1:9/hooks', CMS_WEBHOOK_SECRET: 'x'.repeat(32) });
    db = t.app.get(DataSource);
    remedies = t.app.get(RemediesService);
    // An article with an image that no other spec removes (they use news-30 and news-31).
    article = (await catalogue())
      .filter((a) => a.images.length && !['news-30', 'news-31'].includes(a.slug))
      .at(-1) as CatalogueItem;
    const [row] = await db.query<Array<{ id: string }>>(`SELECT id FROM article WHERE slug = $1`, [article.slug]);
    article.id = row.id;
  });

  afterAll(async () => {
    if (db) {
      await db.query(`UPDATE article SET status = 'published', removed_by = NULL WHERE id = $1`, [article.id]);
      await db.query(`UPDATE article_image SET status = 'visible', removed_by = NULL WHERE article_id = $1`, [
        article.id,
      ]);
    }
    await t?.close();
  });

  it('undoes exactly what one case applied, and keeps what another standing case holds', async () => {
    const a = await file();
    const b = await file();
    const common = { articleId: article.id, detail: null, text: 'Upheld.' };
    await uphold(a, [
      { item: 0, remedy: 'remove_article', imageId: null, ...common },
      { item: 1, remedy: 'remove_image', imageId: article.images[0].id, ...common },
    ]);
    await uphold(b, [
      { item: 0, remedy: 'add_correction', imageId: null, ...common, text: 'A correction.' },
      { item: 1, remedy: 'remove_image', imageId: article.images[0].id, ...common },
    ]);
    expect(await state()).toEqual({
      article: { status: 'removed', removed_by: a.id },
      image: { status: 'removed', removed_by: b.id },
    });

    // A is reversed: the article comes back; the image stays removed because B still holds it.
    const reversedA = await db.transaction((tx) => remedies.reverse(tx, a.id, a.reference));
    expect(reversedA).toEqual([
      { item: 0, remedy: 'remove_article', outcome: 'reversed' },
      { item: 1, remedy: 'remove_image', outcome: 'kept', keptBy: b.reference },
    ]);
    expect(await state()).toEqual({
      article: { status: 'published', removed_by: null },
      image: { status: 'removed', removed_by: b.id },
    });
    expect(await webhooks(a.reference)).toEqual(['article.hidden', 'image.hidden', 'article.restored']);
    // Reversing twice does nothing more.
    expect(await db.transaction((tx) => remedies.reverse(tx, a.id, a.reference))).toEqual([]);

    // B is reversed: the image comes back and B's correction (the remedy) is withdrawn.
    const reversedB = await db.transaction((tx) => remedies.reverse(tx, b.id, b.reference));
    expect(reversedB.map((r) => r.outcome)).toEqual(['reversed', 'reversed']);
    expect(await state()).toEqual({
      article: { status: 'published', removed_by: null },
      image: { status: 'visible', removed_by: null },
    });
    const [corr] = await db.query<Array<{ withdrawn: boolean }>>(
      `SELECT withdrawn_at IS NOT NULL AS withdrawn FROM article_correction WHERE complaint_id = $1`,
      [b.id],
    );
    expect(corr.withdrawn).toBe(true);
    expect((await webhooks(b.reference)).sort()).toEqual(
      ['article.corrected', 'image.hidden', 'image.restored', 'article.correction_withdrawn'].sort(),
    );
    const items = await db.query<Array<{ reversed: boolean }>>(
      `SELECT remedy_reversed_at IS NOT NULL AS reversed FROM complaint_item WHERE complaint_id = ANY($1::uuid[])`,
      [[a.id, b.id]],
    );
    expect(items.every((i) => i.reversed)).toBe(true);
  });

  it('the public page answers again once the removal is reversed', async () => {
    const c = await file();
    await uphold(c, [
      { item: 0, remedy: 'remove_article', imageId: null, articleId: article.id, detail: null, text: 'x' },
    ]);
    expect((await fetch(`${t.baseUrl}/articles/${article.slug}`)).status).toBe(451);
    await db.transaction((tx) => remedies.reverse(tx, c.id, c.reference));
    expect((await fetch(`${t.baseUrl}/articles/${article.slug}`)).status).toBe(200);
  });
});
