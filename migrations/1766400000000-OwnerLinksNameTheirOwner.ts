import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Content-owner links from before links were minted per owner (owner_email NULL) showed every
 * owner's articles and remedies on the case. Each is bound to the case's owner where the case has
 * exactly one; where it has several the link cannot say whose it is, so it ends (the page answers
 * "no notice for this link"; such an owner writes to the contact address, which files the message
 * on the case, and there is no re-send of owner notices yet). From now on an owner link always
 * names its owner (CHECK).
 */
export class OwnerLinksNameTheirOwner1766400000000 implements MigrationInterface {
  name = 'OwnerLinksNameTheirOwner1766400000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      WITH owners AS (
        SELECT i.complaint_id, min(lower(a.owner_email)) AS owner_email, count(DISTINCT lower(a.owner_email)) AS n
          FROM complaint_item i JOIN article a ON a.id = i.article_id
         WHERE a.owner_email IS NOT NULL
         GROUP BY i.complaint_id)
      UPDATE access_link l SET owner_email = o.owner_email
        FROM owners o
       WHERE l.party = 'content_owner' AND l.owner_email IS NULL AND o.complaint_id = l.complaint_id AND o.n = 1`);
    await q.query(`DELETE FROM access_link WHERE party = 'content_owner' AND owner_email IS NULL`);
    await q.query(
      `ALTER TABLE access_link ADD CONSTRAINT access_link_owner_named_check
         CHECK (party <> 'content_owner' OR owner_email IS NOT NULL)`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE access_link DROP CONSTRAINT access_link_owner_named_check`);
  }
}
