import { DataSource } from 'typeorm';
import { OwnerLinksNameTheirOwner1766400000000 } from '../migrations/1766400000000-OwnerLinksNameTheirOwner';
import { startTestApp, TestApp } from './helpers/app';
import { fileComplaint } from './helpers/filing';

/**
 * Owner links from before per-owner links (owner_email NULL) showed every owner's items: the
 * migration binds each to the case's one owner, ends those of cases with several, and a CHECK
 * keeps every new owner link naming its owner.
 */
describe('owner links name their owner (migration 1766400000000, real PostgreSQL)', () => {
  let t: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp();
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

  it('binds a one-owner case’s legacy link, ends a several-owner one, and refuses unnamed owner links after', async () => {
    const list = (await (await fetch(`${t.baseUrl}/api/v1/articles?limit=3`)).json()) as {
      items: Array<{ url: string; slug: string }>;
    };
    expect(list.items).toHaveLength(3);
    const [a, b, c] = list.items;
    await db.query(`UPDATE article SET owner_email = 'Solo@Desk.example' WHERE slug = $1`, [a.slug]);
    await db.query(`UPDATE article SET owner_email = 'one@desk.example' WHERE slug = $1`, [b.slug]);
    await db.query(`UPDATE article SET owner_email = 'two@desk.example' WHERE slug = $1`, [c.slug]);
    const single = await file([a.url]);
    const several = await file([b.url, c.url]);

    const q = db.createQueryRunner();
    await q.connect();
    try {
      // The database as it was before: owner links without an owner.
      await q.query(`ALTER TABLE access_link DROP CONSTRAINT access_link_owner_named_check`);
      await q.query(
        `INSERT INTO access_link (token_hash, complaint_id, party) VALUES ('legacy-single', $1, 'content_owner'),
                ('legacy-several', $2, 'content_owner'), ('legacy-track', $2, 'complainant')`,
        [single, several],
      );
      await new OwnerLinksNameTheirOwner1766400000000().up(q);
    } finally {
      await q.release();
    }
    const links = await db.query<Array<{ token_hash: string; owner_email: string | null }>>(
      `SELECT token_hash, owner_email FROM access_link WHERE token_hash LIKE 'legacy-%' ORDER BY token_hash`,
    );
    expect(links).toEqual([
      { token_hash: 'legacy-single', owner_email: 'solo@desk.example' },
      { token_hash: 'legacy-track', owner_email: null },
    ]);
    await expect(
      db.query(`INSERT INTO access_link (token_hash, complaint_id, party) VALUES ('unnamed', $1, 'content_owner')`, [
        single,
      ]),
    ).rejects.toThrow(/access_link_owner_named_check/);
  });
});
