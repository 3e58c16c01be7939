import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from './helpers/app';
import { fileComplaint, filerEmail } from './helpers/filing';

interface CatalogueItem {
  slug: string;
  url: string;
  title: string;
  status: string;
  removedBy: string | null;
  images: Array<{ id: string; url: string; status: string; removedBy: string | null }>;
}

/**
 * The public side of remedies: the rows RemediesService writes are set here by SQL, and the
 * pages, images and catalogue API must show them.
 */
describe('remedies on the public site (real PostgreSQL)', () => {
  let t: TestApp;
  let db: DataSource;
  let gone: CatalogueItem; // its whole article is removed
  let edited: CatalogueItem; // its image is removed and it carries corrections
  let caseA: { id: string; reference: string };
  let caseB: { id: string; reference: string };

  const get = (path: string, accept = 'text/html') => fetch(`${t.baseUrl}${path}`, { headers: { accept } });
  const catalogue = async () =>
    ((await (await get('/api/v1/articles?limit=200', 'application/json')).json()) as { items: CatalogueItem[] }).items;

  async function file(article: CatalogueItem): Promise<{ id: string; reference: string }> {
    const { reference } = await fileComplaint(t.baseUrl, {
      complainant: { name: 'Pat Doe', email: filerEmail('pat') },
      items: [{ articleUrl: article.url, kind: 'article' }],
      explanation: 'This article is unlawful.',
    });
    const [row] = await db.query<Array<{ id: string }>>(`SELECT id FROM complaint WHERE reference = $1`, [reference]);
    return { id: row.id, reference };
  }

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    const items = await catalogue();
    gone = items.find((a) => a.slug === 'news-30') as CatalogueItem;
    edited = items.find((a) => a.slug === 'news-31') as CatalogueItem;
    expect(edited.images).toHaveLength(1);
    caseA = await file(gone);
    caseB = await file(edited);
    // What RemediesService does for remove_article, remove_image and add_correction.
    await db.query(`UPDATE article SET status = 'removed', removed_by = $2 WHERE slug = $1`, [gone.slug, caseA.id]);
    await db.query(`UPDATE article_image SET status = 'removed', removed_by = $2 WHERE id = $1`, [
      edited.images[0].id,
      caseB.id,
    ]);
    const articleId = `(SELECT id FROM article WHERE slug = '${edited.slug}')`;
    await db.query(
      `INSERT INTO article_correction (article_id, complaint_id, body, created_at, withdrawn_at) VALUES
         (${articleId}, $1, $2, '2026-11-20T02:30:00Z', NULL),
         (${articleId}, $1, $3, '2026-11-21T02:30:00Z', NULL),
         (${articleId}, $1, 'A withdrawn note that must not show.', '2026-11-19T02:30:00Z', now())`,
      [caseB.id, 'The mayor’s name was misspelt <b>here</b>.', 'A photo credit was added.\nSecond line.'],
    );
  });

  afterAll(async () => {
    // Leave the shared demo catalogue as other specs expect it.
    if (db) {
      await db.query(`UPDATE article SET status = 'published', removed_by = NULL WHERE slug = $1`, [gone.slug]);
      await db.query(`UPDATE article_image SET status = 'visible', removed_by = NULL WHERE id = $1`, [
        edited.images[0].id,
      ]);
      await db.query(`DELETE FROM article_correction WHERE complaint_id = $1`, [caseB.id]);
    }
    await t?.close();
  });

  it('a removed article answers 451 with a blocked-by Link and a notice naming the case, in Chinese by default', async () => {
    const res = await get(`/articles/${gone.slug}`);
    expect(res.status).toBe(451);
    expect(res.headers.get('link')).toBe(`<${t.config.publicBaseUrl}/>; rel="blocked-by"`);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('该文章因法律原因无法访问');
    expect(html).toContain(caseA.reference);
    expect(html).toContain('免费');
    expect(html).toContain('不侵权声明');
    // Neither the text nor the title of what was taken down.
    expect(html).not.toContain(gone.title);
    expect(html).not.toContain('class="article__body"');
  });

  it('the 451 page in English: legal reasons, the case, free of charge, how the content owner responds', async () => {
    const res = await get(`/articles/${gone.slug}?lang=en`);
    expect(res.status).toBe(451);
    const html = await res.text();
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('This article is unavailable for legal reasons');
    expect(html).toContain(`<span class="gone-page__case-value">${caseA.reference}</span>`);
    expect(html).toContain('free of charge');
    expect(html).toContain('If you wrote or supplied this article');
    expect(html).toContain('counter-notice');
    expect(html).toContain('mailto:desk@example.test');
  });

  it('a removed article leaves the home page; its images answer 451 too; unknown slugs stay 404', async () => {
    const home = await (await get('/')).text();
    expect(home).not.toContain(`/articles/${gone.slug}"`);
    expect(home).toContain(`/articles/${edited.slug}"`);
    const img = await get(gone.images[0].url, 'image/*');
    expect(img.status).toBe(451);
    expect(await img.text()).toContain(caseA.reference);
    expect((await get('/articles/no-such-article')).status).toBe(404);
  });

  it('a removed image answers 451 without its bytes; a visible one still serves', async () => {
    const res = await get(edited.images[0].url, 'image/*');
    expect(res.status).toBe(451);
    expect(res.headers.get('link')).toBe(`<${t.config.publicBaseUrl}/>; rel="blocked-by"`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.subarray(0, 4).toString('hex')).not.toBe('89504e47'); // no PNG
    expect(body.toString('utf8')).toContain(caseB.reference);
    const other = (await catalogue()).find((a) => a.slug === 'news-32') as CatalogueItem;
    const ok = await get(other.images[0].url, 'image/*');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^image\//);
  });

  it('the article page shows a notice naming the case where the image was, and the corrections above the body', async () => {
    const res = await get(`/articles/${edited.slug}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).not.toContain(`src="${edited.images[0].url}"`);
    expect(html).toContain(`此图片已根据投诉处理结果撤下（案件编号 ${caseB.reference}）。`);
    expect(html).toMatch(/<div class="image-removed" role="note">/);
    // Corrections in force, oldest first, dated, escaped, before the body; withdrawn ones not at all.
    const first = html.indexOf('The mayor’s name was misspelt &lt;b&gt;here&lt;/b&gt;.');
    const second = html.indexOf('A photo credit was added.\nSecond line.');
    expect(first).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(first);
    expect(html.indexOf('class="article__body"')).toBeGreaterThan(second);
    expect(html).not.toContain('<b>here</b>');
    expect(html).not.toContain('A withdrawn note');
    expect(html.match(/<strong class="correction__label">更正<\/strong>/g)).toHaveLength(2);
    expect(html).toContain('<time datetime="2026-11-20T02:30:00.000Z">2026年11月20日 10:30</time>');
    const en = await (await get(`/articles/${edited.slug}?lang=en`)).text();
    expect(en.match(/<strong class="correction__label">Correction<\/strong>/g)).toHaveLength(2);
    expect(en).toContain(`This image has been removed following a complaint (case ${caseB.reference}).`);
    expect(en).toContain('20 Nov 2026, 10:30');
  });

  it('the catalogue API names the case that removed an article or an image, null otherwise', async () => {
    const items = await catalogue();
    const a = items.find((x) => x.slug === gone.slug) as CatalogueItem;
    const b = items.find((x) => x.slug === edited.slug) as CatalogueItem;
    expect(a).toMatchObject({ status: 'removed', removedBy: caseA.reference });
    expect(a.images[0].removedBy).toBeNull();
    expect(b).toMatchObject({ status: 'published', removedBy: null });
    expect(b.images[0]).toMatchObject({ status: 'removed', removedBy: caseB.reference });
    const untouched = items.filter((x) => x.slug !== gone.slug && x.slug !== edited.slug);
    expect(untouched.every((x) => x.removedBy === null || x.status === 'removed')).toBe(true);
  });
});
